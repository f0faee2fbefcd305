/**
 * The outbox relay (docs/adr/0002-transactional-outbox.md): the stream function of each service. For
 * the outbox items a batch of stream records announces, it puts the events on the bus and deletes
 * the items. Deployed it runs on the table's DynamoDB Stream (`stream` event, bisectBatchOnFunctionError,
 * bounded retries, an SQS on-failure destination); locally the platform polls DynamoDB Local's
 * stream and invokes this same function through serverless-offline.
 *
 * At least once: an item is deleted only after the bus accepted its event, so a crash between the
 * two puts it on the bus again on the retry, and consumers are idempotent on the event `id`. A record
 * whose item is already gone (published by an earlier attempt) is skipped.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '@tenantry/config';
import { batchGetAll, batchWriteAll, documentClient } from '@tenantry/dynamo';
import { retry } from '@tenantry/dynamo/retry';
import { ServiceUnavailableError } from '@tenantry/errors';
import { type DomainEvent, sourceOf } from './envelope';
import { OUTBOX_PREFIX, outboxKey } from './outbox';

/** The part of a DynamoDB stream record the relay reads (view type KEYS_ONLY is enough). */
export interface OutboxStreamRecord {
  eventName?: string;
  eventSourceARN?: string;
  dynamodb?: { Keys?: Record<string, { S?: string }> };
}

export interface OutboxStreamEvent {
  Records?: OutboxStreamRecord[];
}

export interface RelayOptions {
  client?: DynamoDBDocumentClient;
  bus?: EventBridgeClient;
  /** PutEvents rounds for the entries the bus refused (`FailedEntryCount`) before the batch fails. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** PutEvents takes at most 10 entries. */
const PUT_EVENTS_MAX = 10;

let sharedBus: EventBridgeClient | undefined;

/**
 * The EventBridge client of this process, created once (never per request) and bounded like the
 * DynamoDB client: 1 s to connect, 3 s of silence, 3 attempts. `EVENTBRIDGE_ENDPOINT` points it at
 * the local bus; deployed, it is unset.
 */
export function eventBusClient(): EventBridgeClient {
  const endpoint = config.EVENTBRIDGE_ENDPOINT;
  sharedBus ??= new EventBridgeClient({
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, socketTimeout: 3000 },
  });
  return sharedBus;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → `<name>`. */
export function tableOfStream(arn: string): string {
  const match = /:table\/([^/]+)\/stream\//.exec(arn);
  if (!match?.[1]) throw new Error(`not a DynamoDB stream ARN: ${arn}`);
  return match[1];
}

/** The outbox items a batch announces, by table, in stream order, each once. */
function announced(records: OutboxStreamRecord[]): Map<string, string[]> {
  const byTable = new Map<string, string[]>();
  for (const record of records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    if (record.eventName !== 'INSERT' || !pk?.startsWith(OUTBOX_PREFIX) || !record.eventSourceARN) continue;
    const table = tableOfStream(record.eventSourceARN);
    const ids = byTable.get(table) ?? [];
    const id = pk.slice(OUTBOX_PREFIX.length);
    if (!ids.includes(id)) ids.push(id);
    byTable.set(table, ids);
  }
  return byTable;
}

export class RelayError extends Error {
  override readonly name = 'RelayError';
}

export function outboxRelay(options: RelayOptions = {}) {
  const { sleep } = options;
  const maxAttempts = options.maxAttempts ?? 4;

  /**
   * Puts the events on the bus, each round only the entries it refused (an accepted entry is never
   * sent twice); answers the ids it accepted, and those it still refused when the rounds were spent.
   */
  async function publish(events: DomainEvent[]): Promise<{ accepted: string[]; refused: string[] }> {
    const bus = options.bus ?? eventBusClient();
    const source = sourceOf(config.SERVICE_NAME);
    const eventBusName = config.EVENT_BUS_NAME;
    const accepted: string[] = [];
    let pending = events;
    const round = async () => {
      const refused: DomainEvent[] = [];
      for (let start = 0; start < pending.length; start += PUT_EVENTS_MAX) {
        const batch = pending.slice(start, start + PUT_EVENTS_MAX);
        const entries: PutEventsRequestEntry[] = batch.map((event) => ({
          EventBusName: eventBusName,
          Source: source,
          DetailType: event.type,
          Detail: JSON.stringify(event),
        }));
        try {
          const result = await bus.send(new PutEventsCommand({ Entries: entries }));
          // Entries answer in request order; an entry with an ErrorCode was refused.
          batch.forEach((event, index) => {
            if (result.Entries?.[index]?.ErrorCode || !result.Entries?.[index]?.EventId) refused.push(event);
            else accepted.push(event.id);
          });
        } catch {
          refused.push(...batch);
        }
      }
      pending = refused;
      if (pending.length > 0) throw new RelayError(`the bus refused ${pending.length} event(s)`);
    };
    if (pending.length > 0) {
      await retry(round, { attempts: maxAttempts, baseDelayMs: 50, sleep }).catch((error: unknown) => {
        if (!(error instanceof ServiceUnavailableError)) throw error;
      });
    }
    return { accepted, refused: pending.map((event) => event.id) };
  }

  async function remove(client: DynamoDBDocumentClient, table: string, ids: string[]): Promise<void> {
    const deletes = ids.map((id) => ({ DeleteRequest: { Key: outboxKey(id) } }));
    await batchWriteAll(client, table, deletes, { maxAttempts, sleep }).catch((error: unknown) => {
      throw new RelayError(`published outbox item(s) not deleted: ${(error as Error).message}`);
    });
  }

  return async function relay(event: OutboxStreamEvent): Promise<{ published: number; skipped: number }> {
    const client = options.client ?? documentClient();
    let published = 0;
    let skipped = 0;
    for (const [table, ids] of announced(event.Records ?? [])) {
      const found = await batchGetAll(client, {
        [table]: { Keys: ids.map((id) => outboxKey(id)), ConsistentRead: true },
      });
      const byId = new Map((found[table] ?? []).map((item) => [String((item.event as DomainEvent).id), item.event]));
      const events = ids.flatMap((id) => (byId.has(id) ? [byId.get(id) as DomainEvent] : []));
      skipped += ids.length - events.length;
      const { accepted, refused } = await publish(events);
      await remove(client, table, accepted);
      published += accepted.length;
      // The batch fails so the stream delivers it again (bisected deployed); the accepted are gone
      // from the outbox, so only the refused are put again.
      if (refused.length > 0)
        throw new RelayError(`the bus refused ${refused.length} event(s) after ${maxAttempts} attempts`);
    }
    return { published, skipped };
  };
}
