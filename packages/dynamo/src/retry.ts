/**
 * The one retry loop of Tenantry: a bounded number of attempts, exponential backoff with jitter
 * between them. Every loop that tries again uses it: unprocessed batch reads and writes, transaction
 * conflicts, the outbox relay's refused events, and the local platform's deliveries.
 *
 * Attempts spent always end the same way: 503 SERVICE_UNAVAILABLE with `Retry-After`, the last
 * failure as its cause. Throttling or contention that outlasted the retries means "busy, try again
 * later": neither a bug (500) nor a conflict with the resource's state (409).
 *
 * @example
 * ```ts
 * await retry(() => send(pending), { attempts: 5, retryable: (error) => error instanceof UnprocessedError });
 * ```
 */
import { ServiceUnavailableError } from '@tenantry/errors';

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The wait after the first failed attempt; it doubles after each further one (default 20 ms). */
  baseDelayMs?: number;
  /** The longest wait between two attempts (default 1 s). */
  maxDelayMs?: number;
  /** Whether a failure is worth another attempt (default: every failure); any other is thrown as it is. */
  retryable?: (error: unknown) => boolean;
  /** Told of each failure that will be tried again (to log it), before the wait. */
  onRetry?: (error: unknown, attempt: number) => void;
  /** Waits between attempts (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The wait after failed attempt `attempt` (1, 2, …): `baseMs · 2^(attempt−1)` capped at `maxMs`, of
 * which the second half is random, so that callers that failed together do not retry together.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `operation` until it resolves, a failure is not `retryable` (thrown as it is), or the
 * attempts are spent ({@link ServiceUnavailableError}, the last failure as its cause).
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.retryable && !options.retryable(error)) throw error;
      if (attempt >= options.attempts) throw new ServiceUnavailableError(undefined, { cause: error });
      options.onRetry?.(error, attempt);
      await sleep(backoffDelay(attempt, options.baseDelayMs ?? 20, options.maxDelayMs ?? 1000));
    }
  }
}
