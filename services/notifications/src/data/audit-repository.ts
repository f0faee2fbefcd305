/**
 * The audit log: one item per event id in the organization's partition (`AUDIT#<occurredAt>#<id>`,
 * newest first backwards), and the same item in gsi1 under its type for `?type=`.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, organizationPk, queryPage, tables } from '@tenantry/dynamo';
import { tenantPut } from '@tenantry/security';
import type { DomainEvent } from '../domain/model';
import type { AuditQuery, AuditRepository } from '../domain/ports';
import { IS_NEW } from './conditions';
import { AUDIT_PREFIX, auditEventKey, auditTypeKey, auditTypePk } from './keys';

const EVENT_FIELDS = ['id', 'type', 'occurredAt', 'organizationId', 'actor', 'data'] as const;

function toEvent(item: Record<string, unknown>): DomainEvent {
  return Object.fromEntries(EVENT_FIELDS.map((field) => [field, item[field]])) as unknown as DomainEvent;
}

export function dynamoAuditRepository(client: DynamoDBDocumentClient): AuditRepository {
  const table = () => tables.notifications();
  return {
    async append(event) {
      try {
        await client.send(
          new PutCommand(
            tenantPut(
              { organizationId: event.organizationId },
              {
                TableName: table(),
                Item: {
                  ...auditEventKey(event.organizationId, event.occurredAt, event.id),
                  ...auditTypeKey(event.organizationId, event.type, event.occurredAt, event.id),
                  entity: 'AuditEvent',
                  ...event,
                },
                ConditionExpression: IS_NEW,
              },
            ),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async list(scope, query: AuditQuery) {
      const pk = organizationPk(scope.organizationId);
      const page = query.type
        ? await queryPage(
            client,
            {
              TableName: table(),
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk',
              ExpressionAttributeValues: { ':pk': auditTypePk(scope.organizationId, query.type) },
              ScanIndexForward: false,
            },
            {
              limit: query.limit,
              cursor: query.cursor,
              shape: {
                equals: { gsi1pk: auditTypePk(scope.organizationId, query.type), pk },
                prefixes: { sk: AUDIT_PREFIX, gsi1sk: '' },
                check: (key) => key.sk === `${AUDIT_PREFIX}${key.gsi1sk}`,
              },
            },
          )
        : await queryPage(
            client,
            {
              TableName: table(),
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
              ExpressionAttributeValues: { ':pk': pk, ':audit': AUDIT_PREFIX },
              ScanIndexForward: false,
              ConsistentRead: true,
            },
            { limit: query.limit, cursor: query.cursor, shape: { equals: { pk }, prefixes: { sk: AUDIT_PREFIX } } },
          );
      return { items: page.items.map(toEvent), nextCursor: page.nextCursor };
    },
  };
}
