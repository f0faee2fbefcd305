/**
 * BatchGetItem and BatchWriteItem of any number of keys or requests, split to DynamoDB's bounds.
 * What DynamoDB leaves unprocessed (throttling, the 16 MB response bound) is sent again by
 * {@link retry}: a bounded number of times, then 503 SERVICE_UNAVAILABLE with Retry-After, the same
 * for reads and writes (busy, not a bug; never a silent partial answer).
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Item } from './query';
import { type RetryOptions, retry } from './retry';

/** `RequestItems` of BatchGetItem: per table its keys and read options. */
export type BatchRequestItems = NonNullable<BatchGetCommandInput['RequestItems']>;
type TableRequest = BatchRequestItems[string];

export interface BatchGetOptions {
  /** Rounds in all for keys (or write requests) left unprocessed (default 5). */
  maxAttempts?: number;
  /** Waits between rounds (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

/** DynamoDB's bound on the keys of one BatchGetItem request. */
const BATCH_GET_MAX_KEYS = 100;

/** What DynamoDB left unprocessed after one request: the only failure worth another round. */
class UnprocessedError extends Error {
  override readonly name = 'UnprocessedError';
}

/** Rounds for what is left unprocessed (default 5 in all); any other failure is thrown as it is. */
const rounds = (options: BatchGetOptions): RetryOptions => ({
  attempts: options.maxAttempts ?? 5,
  retryable: (error) => error instanceof UnprocessedError,
  sleep: options.sleep,
});

/** The request split into requests of at most {@link BATCH_GET_MAX_KEYS} keys, table options kept. */
function chunks(requestItems: BatchRequestItems): BatchRequestItems[] {
  const requests: BatchRequestItems[] = [];
  let current: BatchRequestItems = {};
  let count = 0;
  for (const [table, request] of Object.entries(requestItems)) {
    const keys = request?.Keys ?? [];
    for (const key of keys) {
      if (count === BATCH_GET_MAX_KEYS) {
        requests.push(current);
        current = {};
        count = 0;
      }
      const entry: TableRequest = current[table] ?? { ...request, Keys: [] };
      entry.Keys = [...(entry.Keys ?? []), key];
      current[table] = entry;
      count += 1;
    }
  }
  if (count > 0) requests.push(current);
  return requests;
}

/**
 * Every item found for the keys, by table (tables with nothing found are absent or empty; order is
 * DynamoDB's, not the keys'). Keys that do not exist are simply not in the answer.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  requestItems: BatchRequestItems,
  options: BatchGetOptions = {},
): Promise<Record<string, Item[]>> {
  const found: Record<string, Item[]> = {};
  for (const request of chunks(requestItems)) {
    let pending: BatchRequestItems = request;
    await retry(async () => {
      const output = await client.send(new BatchGetCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(output.Responses ?? {})) {
        found[table] = [...(found[table] ?? []), ...(items as Item[])];
      }
      pending = (output.UnprocessedKeys ?? {}) as BatchRequestItems;
      const left = Object.values(pending).reduce((sum, entry) => sum + (entry?.Keys?.length ?? 0), 0);
      if (left > 0) throw new UnprocessedError(`BatchGetItem left ${left} key(s) unprocessed`);
    }, rounds(options));
  }
  return found;
}

/** One request of BatchWriteItem: a put or a delete. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** DynamoDB's bound on the requests of one BatchWriteItem. */
const BATCH_WRITE_MAX_REQUESTS = 25;

/**
 * BatchWriteItem of any number of puts and deletes on one table: requests of at most 25, what
 * DynamoDB leaves unprocessed sent again, then 503 like {@link batchGetAll}.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  options: BatchGetOptions = {},
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX_REQUESTS) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_MAX_REQUESTS);
    await retry(async () => {
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = output.UnprocessedItems?.[table] ?? [];
      if (pending.length > 0)
        throw new UnprocessedError(`BatchWriteItem left ${pending.length} request(s) unprocessed`);
    }, rounds(options));
  }
}
