/** Options of {@link withBoundedRetry}. */
export interface RetryOptions {
  /** Total attempts, the first included (default 4). */
  attempts?: number;
  /** Base delay in ms; attempt n waits a random time in [0, base·2ⁿ) (full jitter, default 25). */
  baseDelayMs?: number;
  /** Which failures are worth another attempt. */
  retryable: (error: unknown) => boolean;
  /** What to throw once the attempts are used up (default: the last error). */
  exhausted?: (error: unknown) => unknown;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or has run `attempts` times.
 * Used for TransactWriteItems cancelled with `TransactionConflict` (real DynamoDB under contention):
 * a bounded number of retries with jittered backoff, then 409 CONFLICT.
 */
export async function withBoundedRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 25;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let index = 0; ; index++) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.retryable(error)) throw error;
      if (index + 1 >= attempts) throw options.exhausted ? options.exhausted(error) : error;
      await sleep(Math.floor(random() * base * 2 ** index));
    }
  }
}
