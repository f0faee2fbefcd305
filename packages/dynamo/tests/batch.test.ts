import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServiceUnavailableError, toErrorResponse } from '@tenantry/errors';
import { batchGetAll, batchWriteAll } from '../src';
import { scratchTable } from './support';

const first = scratchTable('dynamo-batch-test-a');
const second = scratchTable('dynamo-batch-test-b');
const noSleep = async () => undefined;

/**
 * A client of the same DynamoDB Local whose first `throttled` BatchGetItem calls come back with every
 * key unprocessed, as real DynamoDB answers under throttling; later calls reach DynamoDB Local.
 */
function throttlingClient(throttled: number) {
  const raw = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const calls = { total: 0 };
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      calls.total += 1;
      if (calls.total > throttled) return next(args);
      // Here the request is already in DynamoDB's wire form; the answer is given as the document
      // client returns it (string attributes only in these tests).
      const { RequestItems } = args.input as {
        RequestItems: Record<string, { Keys: Record<string, { S: string }>[] }>;
      };
      const unprocessed = Object.fromEntries(
        Object.entries(RequestItems).map(([table, request]) => [
          table,
          {
            ...request,
            Keys: request.Keys.map((key) => Object.fromEntries(Object.entries(key).map(([n, v]) => [n, v.S]))),
          },
        ]),
      );
      return { output: { Responses: {}, UnprocessedKeys: unprocessed, $metadata: {} }, response: {} } as never;
    },
    { step: 'build', name: 'throttleBatchGet' },
  );
  return { client: DynamoDBDocumentClient.from(raw), calls };
}

const keysOf = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => ({ pk: `${prefix}${index}`, sk: 'ITEM' }));

beforeAll(async () => {
  await Promise.all([first.create(), second.create()]);
  const put = async (table: string, keys: { pk: string; sk: string }[]) => {
    for (let start = 0; start < keys.length; start += 25) {
      await first.client.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: keys.slice(start, start + 25).map((key) => ({ PutRequest: { Item: { ...key, value: key.pk } } })),
          },
        }),
      );
    }
  };
  await put(first.table, keysOf(150, 'A'));
  await put(second.table, keysOf(3, 'B'));
}, 60_000);

afterAll(async () => {
  await Promise.all([first.drop(), second.drop()]);
});

describe('batchGetAll', () => {
  it('reads keys across tables, more than one request can hold, with their read options', async () => {
    const found = await batchGetAll(first.client, {
      [first.table]: {
        Keys: keysOf(150, 'A'),
        ConsistentRead: true,
        ProjectionExpression: 'pk, #v',
        ExpressionAttributeNames: { '#v': 'value' },
      },
      [second.table]: { Keys: keysOf(3, 'B') },
    });
    expect(found[first.table]?.map((item) => item.pk).sort()).toEqual(
      keysOf(150, 'A')
        .map((key) => key.pk)
        .sort(),
    );
    expect(found[first.table]?.[0]).toEqual({ pk: expect.any(String), value: expect.any(String) });
    expect(found[second.table]).toHaveLength(3);
  });

  it('leaves keys that do not exist out of the answer', async () => {
    const found = await batchGetAll(first.client, {
      [first.table]: {
        Keys: [
          { pk: 'A1', sk: 'ITEM' },
          { pk: 'none', sk: 'ITEM' },
        ],
      },
    });
    expect(found[first.table]?.map((item) => item.pk)).toEqual(['A1']);
  });

  it('asks again for unprocessed keys until they are read', async () => {
    const { client, calls } = throttlingClient(2);
    const found = await batchGetAll(client, { [second.table]: { Keys: keysOf(3, 'B') } }, { sleep: noSleep });
    expect(found[second.table]).toHaveLength(3);
    expect(calls.total).toBe(3);
  });
});

/** A client of DynamoDB Local whose first `throttled` BatchWriteItem calls come back with every request unprocessed. */
function throttlingWrites(throttled: number) {
  const raw = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const calls = { total: 0 };
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      calls.total += 1;
      if (calls.total > throttled) return next(args);
      // The wire form back into the document client's (string attributes only here).
      const { RequestItems } = args.input as {
        RequestItems: Record<string, Array<{ PutRequest: { Item: Record<string, { S: string }> } }>>;
      };
      const unprocessed = Object.fromEntries(
        Object.entries(RequestItems).map(([table, requests]) => [
          table,
          requests.map(({ PutRequest }) => ({
            PutRequest: { Item: Object.fromEntries(Object.entries(PutRequest.Item).map(([n, v]) => [n, v.S])) },
          })),
        ]),
      );
      return { output: { UnprocessedItems: unprocessed, $metadata: {} }, response: {} } as never;
    },
    { step: 'build', name: 'throttleBatchWrite' },
  );
  return { client: DynamoDBDocumentClient.from(raw), calls };
}

describe('batchWriteAll', () => {
  it('puts and deletes more requests than one BatchWriteItem holds', async () => {
    const keys = keysOf(60, 'W');
    await batchWriteAll(
      first.client,
      first.table,
      keys.map((key) => ({ PutRequest: { Item: { ...key, value: 'written' } } })),
    );
    expect((await batchGetAll(first.client, { [first.table]: { Keys: keys } }))[first.table]).toHaveLength(60);

    await batchWriteAll(
      first.client,
      first.table,
      keys.map((key) => ({ DeleteRequest: { Key: key } })),
    );
    expect((await batchGetAll(first.client, { [first.table]: { Keys: keys } }))[first.table] ?? []).toHaveLength(0);
  });

  it('sends again what DynamoDB left unprocessed', async () => {
    const keys = keysOf(3, 'T');
    const retried = throttlingWrites(1);
    await batchWriteAll(
      retried.client,
      first.table,
      keys.map((key) => ({ PutRequest: { Item: { ...key } } })),
      { sleep: noSleep },
    );
    expect(retried.calls.total).toBe(2);
    expect((await batchGetAll(first.client, { [first.table]: { Keys: keys } }))[first.table]).toHaveLength(3);
  });
});

describe('batchGetAll and batchWriteAll, when what is left unprocessed outlasts their rounds', () => {
  const keys = keysOf(3, 'B');
  it.each([
    [
      'batchGetAll',
      () => {
        const { client, calls } = throttlingClient(Number.POSITIVE_INFINITY);
        return {
          calls,
          run: () => batchGetAll(client, { [second.table]: { Keys: keys } }, { sleep: noSleep, maxAttempts: 3 }),
        };
      },
    ],
    [
      'batchWriteAll',
      () => {
        const { client, calls } = throttlingWrites(Number.POSITIVE_INFINITY);
        const puts = keys.map((key) => ({ PutRequest: { Item: { ...key } } }));
        return { calls, run: () => batchWriteAll(client, second.table, puts, { sleep: noSleep, maxAttempts: 3 }) };
      },
    ],
  ])(
    '%s gives up after its rounds with the same 503 SERVICE_UNAVAILABLE (throttling, not a bug)',
    async (_name, setup) => {
      const { calls, run } = setup();
      const failure = await run().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect(toErrorResponse(failure, 'request-1')).toMatchObject({ statusCode: 503, headers: { 'retry-after': '1' } });
      expect(String((failure as Error).cause)).toContain('unprocessed');
      expect(calls.total).toBe(3);
    },
  );
});
