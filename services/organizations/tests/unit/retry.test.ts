// TransactionConflict (real DynamoDB under contention; DynamoDB Local never produces it) is retried a
// bounded number of times, then answered 409 CONFLICT. Failed conditions are never retried.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '@tenantry/errors';
import { describe, expect, it, vi } from 'vitest';
import { dynamoOrganizationRepository } from '../../src/data/repository';
import { isTransactionConflict, TRANSACTION_ATTEMPTS, transactWithRetry } from '../../src/data/transactions';
import type { OrganizationState } from '../../src/domain/model';
import { SlugTakenError } from '../../src/domain/ports';
import { withBoundedRetry } from '../../src/domain/retry';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const noSleep = async () => undefined;

describe('isTransactionConflict', () => {
  it('is true only when every cancelled item is None or TransactionConflict', () => {
    expect(isTransactionConflict(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed'))).toBe(false);
    expect(isTransactionConflict(new Error('boom'))).toBe(false);
  });
});

describe('transactWithRetry', () => {
  it('retries a TransactionConflict and returns the first success', async () => {
    const write = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(cancelled('TransactionConflict', 'None'))
      .mockRejectedValueOnce(cancelled('None', 'TransactionConflict'))
      .mockResolvedValue('ok');
    await expect(transactWithRetry(write, { sleep: noSleep })).resolves.toBe('ok');
    expect(write).toHaveBeenCalledTimes(3);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} attempts with 409 CONFLICT`, async () => {
    const write = vi.fn<() => Promise<void>>().mockRejectedValue(cancelled('TransactionConflict'));
    const failure = await transactWithRetry(write, { sleep: noSleep }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConflictError);
    expect((failure as ConflictError).statusCode).toBe(409);
    expect(write).toHaveBeenCalledTimes(TRANSACTION_ATTEMPTS);
  });

  it('never retries a failed condition', async () => {
    const error = cancelled('None', 'ConditionalCheckFailed');
    const write = vi.fn<() => Promise<void>>().mockRejectedValue(error);
    await expect(transactWithRetry(write, { sleep: noSleep })).rejects.toBe(error);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('backs off with full jitter that doubles per attempt', async () => {
    const delays: number[] = [];
    const attempt = vi.fn<() => Promise<void>>().mockRejectedValue(new Error('again'));
    await expect(
      withBoundedRetry(attempt, {
        attempts: 4,
        baseDelayMs: 10,
        retryable: () => true,
        random: () => 0.999,
        sleep: async (ms) => {
          delays.push(ms);
        },
      }),
    ).rejects.toThrow('again');
    expect(delays).toEqual([9, 19, 39]);
  });
});

describe('the create transaction under contention', () => {
  process.env.ORGANIZATIONS_TABLE ??= 'tenantry-local-organizations';
  process.env.MEMBERSHIPS_TABLE ??= 'tenantry-local-memberships';
  const organization: OrganizationState = {
    id: 'org_unit',
    name: 'Unit',
    slug: 'unit',
    status: 'ACTIVE',
    plan: 'STARTER',
    ownerId: 'u1',
    metadata: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
  const clientFailing = (...errors: unknown[]) => {
    const send = vi.fn();
    for (const error of errors) send.mockRejectedValueOnce(error);
    send.mockResolvedValue({});
    return { client: { send } as unknown as DynamoDBDocumentClient, send };
  };

  it('retries TransactionConflict then succeeds, sending the same four-item transaction', async () => {
    const { client, send } = clientFailing(cancelled('TransactionConflict', 'None', 'None', 'None'));
    await dynamoOrganizationRepository(client).create(organization, { seats: 1, applications: 0 }, { userId: 'u1' });
    expect(send).toHaveBeenCalledTimes(2);
    const input = send.mock.calls[0]![0].input;
    expect(input.TransactItems).toHaveLength(4);
    expect(
      input.TransactItems.map((item: { Put: { ConditionExpression: string } }) => item.Put.ConditionExpression),
    ).toEqual(
      Array(4).fill(
        '(attribute_not_exists(#tenantOrganizationId) OR #tenantOrganizationId = :tenantOrganizationId) AND (attribute_not_exists(pk))',
      ),
    );
  }, 10_000);

  it('answers a taken slug as SlugTakenError (never retried)', async () => {
    const { client, send } = clientFailing(cancelled('None', 'ConditionalCheckFailed', 'None', 'None'));
    await expect(
      dynamoOrganizationRepository(client).create(organization, { seats: 1, applications: 0 }, { userId: 'u1' }),
    ).rejects.toBeInstanceOf(SlugTakenError);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
