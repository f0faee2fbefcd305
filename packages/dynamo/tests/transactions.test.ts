import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { ServiceUnavailableError } from '@tenantry/errors';
import { documentClient } from '../src/client';
import { tables } from '../src/tables';
import { transactWrite } from '../src/transactions';

const cancelled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const noSleep = async () => undefined;

describe('transactWrite', () => {
  it('retries a TransactionConflict cancellation and succeeds when the conflict clears', async () => {
    let calls = 0;
    const send = async () => {
      calls++;
      if (calls < 3) throw cancelled('None', 'TransactionConflict');
    };
    await expect(transactWrite({ TransactItems: [] }, { send, sleep: noSleep })).resolves.toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('gives up after a bounded number of attempts with 503 SERVICE_UNAVAILABLE (contention, like throttling)', async () => {
    let calls = 0;
    const send = async () => {
      calls++;
      throw cancelled('TransactionConflict', 'None');
    };
    const outcome = transactWrite({ TransactItems: [] }, { send, sleep: noSleep, maxAttempts: 4 });
    await expect(outcome).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(outcome).rejects.toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 });
    expect(calls).toBe(4);
  });

  it('treats a TransactionConflictException like a conflict cancellation', async () => {
    let calls = 0;
    const send = async () => {
      calls++;
      throw Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });
    };
    await expect(transactWrite({ TransactItems: [] }, { send, sleep: noSleep, maxAttempts: 2 })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(calls).toBe(2);
  });

  it('returns the failed items of a condition failure without retrying', async () => {
    let calls = 0;
    const send = async () => {
      calls++;
      throw cancelled('None', 'ConditionalCheckFailed', 'None');
    };
    await expect(transactWrite({ TransactItems: [] }, { send, sleep: noSleep })).resolves.toEqual({
      ok: false,
      failed: [1],
    });
    expect(calls).toBe(1);
  });

  it('a condition failure wins over a conflict reported in the same cancellation', async () => {
    const send = async () => {
      throw cancelled('ConditionalCheckFailed', 'TransactionConflict');
    };
    await expect(transactWrite({ TransactItems: [] }, { send, sleep: noSleep })).resolves.toEqual({
      ok: false,
      failed: [0],
    });
  });

  it('rethrows anything else untouched', async () => {
    const boom = new Error('throttled');
    await expect(
      transactWrite({ TransactItems: [] }, { send: async () => Promise.reject(boom), sleep: noSleep }),
    ).rejects.toBe(boom);
  });

  it('gives each attempt its own ClientRequestToken, so a repeat of a committed attempt does not run twice', async () => {
    const sent: TransactWriteCommandInput[] = [];
    let calls = 0;
    const send = async (input: TransactWriteCommandInput) => {
      sent.push(input);
      if (++calls < 2) throw cancelled('TransactionConflict');
    };
    await transactWrite({ TransactItems: [] }, { send, sleep: noSleep });
    expect(sent.map((input) => input.ClientRequestToken)).toEqual([expect.any(String), expect.any(String)]);
    expect(sent[0]!.ClientRequestToken).not.toBe(sent[1]!.ClientRequestToken);
  });

  it('against DynamoDB Local: the same attempt sent again (an SDK retry after a timeout) succeeds once', async () => {
    const key = { pk: `TEST#${randomUUID()}`, sk: 'TOKEN' };
    const table = tables.organizations();
    let attempt: TransactWriteCommandInput | undefined;
    const send = async (input: TransactWriteCommandInput) => {
      attempt = input;
      await documentClient().send(new TransactWriteCommand(input));
    };
    const input: TransactWriteCommandInput = {
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: key,
            UpdateExpression: 'ADD #count :one',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    };
    await expect(transactWrite(input, { send })).resolves.toEqual({ ok: true });
    // The repeat of the committed attempt, token and all.
    await documentClient().send(new TransactWriteCommand(attempt!));
    const { Item } = await documentClient().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    expect(Item?.count).toBe(1);
  });
});
