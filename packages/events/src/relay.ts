/**
 * The outbox relay (docs/adr/0002-transactional-outbox.md): the stream function of each service. For
 * the outbox items a batch of stream records announces, it puts the events on the bus and deletes
 * the items. Deployed it runs on the table's DynamoDB Stream (`stream` event, bisectBatchOnFunctionError,
 * bounded retries, an SQS on-failure destination); locally the platform polls DynamoDB Local's
 * stream and invokes this same function through serverless-offline.
 *
 * A bus outage is ridden out inside one invocation: entries refused for a reason that may pass are
 * put again with backoff for up to {@link RELAY_RETRY_BUDGET_MS}; an entry the bus will never take
 * (malformed, too large) fails the batch at once, so that bisection isolates its record quickly.
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
  /**
   * How long (from the batch's first PutEvents) entries refused for a reason that may pass are put
   * again before the batch fails: default {@link RELAY_RETRY_BUDGET_MS}, well under the relayOutbox
   * timeout of 60 s, so that a bus outage is ridden out inside one invocation.
   */
  retryBudgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The clock the budget is measured with (default Date.now). */
  now?: () => number;
}

/** The relay's default retry budget per batch: 20 s; the waits between rounds double from 100 ms to 4 s. */
export const RELAY_RETRY_BUDGET_MS = 20_000;
const RETRY_BASE_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 4_000;

/**
 * The per-entry PutEvents error codes EventBridge calls retryable (an outage, throttling; the local
 * bus's outage switch answers `InternalFailure`). Any other (`InvalidArgument`, `MalformedDetail`,
 * an access error) refuses the entry again on every try: the batch fails at once, so that the
 * stream's bisection isolates the record.
 */
const MAY_PASS_LATER = new Set(['InternalFailure', 'ThrottlingException']);

/** A PutEvents call that failed as a whole may pass later unless the bus called the request itself wrong. */
function callMayPassLater(error: unknown): boolean {
  const { $fault, name } = error as { $fault?: string; name?: string };
  return $fault !== 'client' || /Throttl/.test(name ?? '');
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

/** Some entries were refused for a reason that may pass: worth another round while the budget lasts. */
class RefusedForNowError extends Error {
  override readonly name = 'RefusedForNowError';
}

export function outboxRelay(options: RelayOptions = {}) {
  const { sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), now = Date.now } = options;
  const budgetMs = options.retryBudgetMs ?? RELAY_RETRY_BUDGET_MS;

  /**
   * Puts the events on the bus, each round only the entries it refused for a reason that may pass
   * (an accepted entry is never sent twice), until none is left or the budget is spent; answers the
   * ids it accepted, and why each other one was refused the last time.
   */
  async function publish(events: DomainEvent[]): Promise<{ accepted: string[]; refused: Map<string, string> }> {
    const bus = options.bus ?? eventBusClient();
    const source = sourceOf(config.SERVICE_NAME);
    const eventBusName = config.EVENT_BUS_NAME;
    const accepted: string[] = [];
    const refused = new Map<string, string>();
    let pending = events;
    const round = async () => {
      const again: DomainEvent[] = [];
      const refuse = (event: DomainEvent, reason: string, mayPassLater: boolean) => {
        refused.set(event.id, reason);
        if (mayPassLater) again.push(event);
      };
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
            const { ErrorCode, ErrorMessage, EventId } = result.Entries?.[index] ?? {};
            if (EventId && !ErrorCode) {
              accepted.push(event.id);
              refused.delete(event.id);
            } else
              refuse(
                event,
                ErrorCode ? `${ErrorCode}: ${ErrorMessage}` : 'no EventId',
                !ErrorCode || MAY_PASS_LATER.has(ErrorCode),
              );
          });
        } catch (error) {
          for (const event of batch) refuse(event, (error as Error).message, callMayPassLater(error));
        }
      }
      pending = again;
      if (pending.length > 0) throw new RefusedForNowError();
    };
    const deadline = now() + budgetMs;
    await retry(round, {
      attempts: Number.POSITIVE_INFINITY,
      baseDelayMs: RETRY_BASE_DELAY_MS,
      maxDelayMs: RETRY_MAX_DELAY_MS,
      retryable: (error) => error instanceof RefusedForNowError && now() < deadline,
      // The last wait ends at the deadline: a round is always tried there.
      sleep: (ms) => sleep(Math.min(ms, deadline - now())),
    }).catch((error: unknown) => {
      if (!(error instanceof RefusedForNowError)) throw error;
    });
    return { accepted, refused };
  }

  async function remove(client: DynamoDBDocumentClient, table: string, ids: string[]): Promise<void> {
    const deletes = ids.map((id) => ({ DeleteRequest: { Key: outboxKey(id) } }));
    await batchWriteAll(client, table, deletes, { sleep }).catch((error: unknown) => {
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
      if (events.length === 0) continue;
      const { accepted, refused } = await publish(events);
      await remove(client, table, accepted);
      published += accepted.length;
      // The batch fails so the stream delivers it again (bisected deployed); the accepted are gone
      // from the outbox, so only the refused are put again.
      if (refused.size > 0) {
        const reasons = [...new Set(refused.values())].join('; ');
        throw new RelayError(`the bus refused ${refused.size} event(s) of table ${table}: ${reasons}`);
      }
    }
    return { published, skipped };
  };
}
