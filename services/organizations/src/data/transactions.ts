import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '@tenantry/errors';
import { withBoundedRetry } from '../domain/retry';

/** The cancellation reason codes of a cancelled TransactWriteItems, one per item ('None' = fine). */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (
    !(error instanceof TransactionCanceledException) &&
    (error as Error | undefined)?.name !== 'TransactionCanceledException'
  ) {
    return undefined;
  }
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** Cancelled only because another transaction touched the same items (real DynamoDB under contention). */
export function isTransactionConflict(error: unknown): boolean {
  const codes = cancellationCodes(error);
  if (!codes?.includes('TransactionConflict')) return false;
  return codes.every((code) => code === 'None' || code === 'TransactionConflict');
}

export const TRANSACTION_ATTEMPTS = 4;

/**
 * Runs a TransactWriteItems with a bounded retry of `TransactionConflict` cancellations (jittered
 * backoff, {@link TRANSACTION_ATTEMPTS} attempts in all), then 409 CONFLICT. Other cancellations
 * (a failed condition) are the caller's to interpret.
 */
export function transactWithRetry<T>(write: () => Promise<T>, options: { sleep?: (ms: number) => Promise<void> } = {}) {
  return withBoundedRetry(write, {
    attempts: TRANSACTION_ATTEMPTS,
    retryable: isTransactionConflict,
    exhausted: (error) => new ConflictError('The organization is being changed concurrently; retry', { cause: error }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
