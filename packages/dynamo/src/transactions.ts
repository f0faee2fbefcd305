/**
 * TransactWriteItems with the two kinds of cancellation told apart:
 * - a condition failed (`ConditionalCheckFailed`): a business answer, returned to the caller with
 *   the index of each failed item so it can say which rule refused;
 * - `TransactionConflict` (real DynamoDB under contention; DynamoDB Local never does it): tried
 *   again by {@link retry}, then 503 SERVICE_UNAVAILABLE with Retry-After (contention that outlasted
 *   the retries is "busy", like throttling; the resource's state did not refuse anything).
 *
 * Each attempt carries a `ClientRequestToken`: when the SDK sends it again after a timeout although
 * DynamoDB had committed it, the repeat succeeds without running twice (a conditional write would
 * otherwise fail its own condition and answer 409 for a change that happened).
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client';
import { retry } from './retry';

export type TransactionOutcome = { ok: true } | { ok: false; failed: number[] };

export interface TransactionOptions {
  /** Attempts in all (default 4). */
  maxAttempts?: number;
  /** Sends the command (default: the shared document client). */
  send?: (input: TransactWriteCommandInput) => Promise<unknown>;
  /** Waits between attempts (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

interface CancellationReason {
  Code?: string;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, CancellationReasons } = error as { name?: string; CancellationReasons?: CancellationReason[] };
  if (name === 'TransactionConflictException') return [{ Code: 'TransactionConflict' }];
  if (name !== 'TransactionCanceledException') return undefined;
  return CancellationReasons ?? [];
}

const isConflict = (error: unknown) =>
  cancellationReasons(error)?.some((reason) => reason.Code === 'TransactionConflict') === true;

const defaultSend = (input: TransactWriteCommandInput) => documentClient().send(new TransactWriteCommand(input));

export async function transactWrite(
  input: TransactWriteCommandInput,
  options: TransactionOptions = {},
): Promise<TransactionOutcome> {
  const send = options.send ?? defaultSend;
  return retry(
    async () => {
      try {
        await send({ ClientRequestToken: randomUUID(), ...input });
        return { ok: true };
      } catch (error) {
        const failed = (cancellationReasons(error) ?? []).flatMap((reason, index) =>
          reason.Code === 'ConditionalCheckFailed' ? [index] : [],
        );
        if (failed.length > 0) return { ok: false, failed };
        throw error;
      }
    },
    { attempts: options.maxAttempts ?? 4, retryable: isConflict, sleep: options.sleep },
  );
}
