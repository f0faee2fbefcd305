/**
 * BatchGetItem for any number of keys across tables: requests of at most 100 keys (DynamoDB's
 * bound), and the keys DynamoDB leaves unprocessed (throttling, the 16 MB response bound) asked
 * again with jittered backoff a bounded number of times, then an error (a 500, never a silent
 * partial answer).
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '@tenantry/errors';
import type { Item } from './query';

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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? defaultSleep;
  const found: Record<string, Item[]> = {};
  for (const request of chunks(requestItems)) {
    let pending: BatchRequestItems | undefined = request;
    for (let attempt = 1; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > maxAttempts) {
        // Throttling that outlasted the retries: busy, not a bug (503 with Retry-After, never 500).
        throw new ServiceUnavailableError(undefined, {
          cause: new Error(`BatchGetItem left keys unprocessed after ${maxAttempts} attempts`),
        });
      }
      if (attempt > 1) await sleep(Math.round(2 ** attempt * 10 * (0.5 + Math.random())));
      const output = await client.send(new BatchGetCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(output.Responses ?? {})) {
        found[table] = [...(found[table] ?? []), ...(items as Item[])];
      }
      pending = output.UnprocessedKeys as BatchRequestItems | undefined;
    }
  }
  return found;
}

/** One request of BatchWriteItem: a put or a delete. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** DynamoDB's bound on the requests of one BatchWriteItem. */
const BATCH_WRITE_MAX_REQUESTS = 25;

/**
 * BatchWriteItem of any number of puts and deletes on one table: requests of at most 25, and what
 * DynamoDB leaves unprocessed (throttling) sent again with jittered backoff a bounded number of
 * times, then an error (the caller decides what it means: 503, a failed relay batch).
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  options: BatchGetOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? defaultSleep;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX_REQUESTS) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_MAX_REQUESTS);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new Error(`BatchWriteItem left ${pending.length} request(s) unprocessed after ${maxAttempts} attempts`);
      }
      if (attempt > 1) await sleep(Math.round(2 ** attempt * 10 * (0.5 + Math.random())));
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = output.UnprocessedItems?.[table] ?? [];
    }
  }
}
