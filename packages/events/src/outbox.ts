/**
 * The transactional outbox (contract §7, docs/adr/0002-transactional-outbox.md): a domain event is an item
 * written in the same TransactWriteItems as the change it describes, in the writing service's own
 * table. The service's relay function (`@tenantry/events/relay`) reads it from the table's stream,
 * puts it on the bus and deletes it. So an acknowledged change never lacks its event, whatever the
 * bus does at that moment, and there is one way to emit an event: write it here.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '@tenantry/config';
import { documentClient } from '@tenantry/dynamo';
import { ServiceUnavailableError } from '@tenantry/errors';
import type { DomainEvent, NewDomainEvent } from './envelope';

/** Partition of every outbox item: one per event, so outbox writes never share a hot partition. */
export const OUTBOX_PREFIX = 'OUTBOX#';
const OUTBOX_SORT_KEY = 'OUTBOX';
export const OUTBOX_ENTITY = 'OutboxEvent';

export const outboxKey = (eventId: string) => ({ pk: `${OUTBOX_PREFIX}${eventId}`, sk: OUTBOX_SORT_KEY });

/** The event with its id and time: the envelope of schemas/entities/event.yaml. */
export function newEvent(event: NewDomainEvent, now: Date = new Date()): DomainEvent {
  return { id: randomUUID(), occurredAt: now.toISOString(), ...event };
}

/**
 * The outbox item of one event. It carries the event's `organizationId` at the top, so the tenant
 * pinning of `@tenantry/security` applies to it like to any item of the organization.
 */
export function outboxItem(event: DomainEvent) {
  return { ...outboxKey(event.id), entity: OUTBOX_ENTITY, organizationId: event.organizationId, event };
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The Put of an event's outbox item, for the transaction of the change it describes. */
export function outboxPut(tableName: string, event: NewDomainEvent, now?: Date): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: outboxItem(newEvent(event, now)),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The table of this service, where its outbox lives: `<NAME>_TABLE` for the service
 * `tenantry-<name>` (`SERVICE_NAME`), e.g. ORGANIZATIONS_TABLE for tenantry-organizations.
 */
export function ownTable(): string {
  const service = config.SERVICE_NAME;
  const variable = SERVICE_TABLES.find((name) => name === `${service.replace(/^tenantry-/, '').toUpperCase()}_TABLE`);
  if (!variable) throw new Error(`service "${service}" has no table of its own for its outbox`);
  return config[variable];
}

const SERVICE_TABLES = [
  'ORGANIZATIONS_TABLE',
  'MEMBERSHIPS_TABLE',
  'APPLICATIONS_TABLE',
  'NOTIFICATIONS_TABLE',
] as const;

/**
 * Records events that ride on no state change of their own: `platform.access` (a staff read) and
 * `plan.limit_reached` (a refused create). Written before the answer (one PutItem each: the ids are
 * new UUIDs), so no staff read goes unaudited; a write that fails refuses the request with 503.
 */
export interface EventOutbox {
  record(events: NewDomainEvent[]): Promise<void>;
}

export function dynamoEventOutbox(client: () => DynamoDBDocumentClient = documentClient): EventOutbox {
  return {
    async record(events) {
      const table = ownTable();
      try {
        // Plain PutItems, not a transaction: these items stand alone, and DynamoDB Local runs one
        // transaction at a time (a burst of refused creates would queue behind the creates). Not a
        // BatchWriteItem either: the functions' IAM grants their outbox PutItem alone.
        await Promise.all(
          events.map((event) => client().send(new PutCommand({ TableName: table, Item: outboxItem(newEvent(event)) }))),
        );
      } catch (error) {
        throw new ServiceUnavailableError('The audit log cannot record this request now; retry', { cause: error });
      }
    },
  };
}
