/**
 * TransactWriteItems with the two kinds of cancellation told apart:
 * - a condition failed (`ConditionalCheckFailed`): a business answer, returned to the caller with
 *   the index of each failed item so it can say which rule refused;
 * - `TransactionConflict` (real DynamoDB under contention; DynamoDB Local never does it): retried a
 *   bounded number of times with jittered backoff, then 409 CONFLICT.
 *
 * Each attempt carries a `ClientRequestToken`: when the SDK sends it again after a timeout although
 * DynamoDB had committed it, the repeat succeeds without running twice (a conditional write would
 * otherwise fail its own condition and answer 409 for a change that happened).
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '@tenantry/dynamo';
import { ConflictError } from '@tenantry/errors';

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

const defaultSend = (input: TransactWriteCommandInput) => documentClient().send(new TransactWriteCommand(input));
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function transactWrite(
  input: TransactWriteCommandInput,
  options: TransactionOptions = {},
): Promise<TransactionOutcome> {
  const maxAttempts = options.maxAttempts ?? 4;
  const send = options.send ?? defaultSend;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await send({ ClientRequestToken: randomUUID(), ...input });
      return { ok: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) return { ok: false, failed };
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
        if (attempt >= maxAttempts) {
          throw new ConflictError('The resource was changed concurrently; retry the request', { cause: error });
        }
        await sleep(Math.round(2 ** attempt * 10 * (0.5 + Math.random())));
        continue;
      }
      throw error;
    }
  }
}
