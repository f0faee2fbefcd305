// Waiting for something asynchronous (an event reaching a subscriber, a relay draining its outbox)
// by polling its observable result, never by sleeping a fixed time: a fixed sleep is either too
// short on a loaded machine (a flaky test) or longer than needed (a slow one).
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface EventuallyOptions<T> {
  /** What is awaited, for the failure message (default: the condition's source). */
  description?: string;
  /** When the value read holds (default: any value but undefined). */
  until?: (value: T) => boolean;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Pause between two reads; default 100 ms. */
  intervalMs?: number;
}

/**
 * Reads `condition` until its value holds (by default: is not undefined) and returns that value, or
 * fails once `timeoutMs` has passed, with what was awaited and the last value seen. An error the
 * condition throws is not a "not yet": it fails the wait at once.
 *
 * @example
 * const entries = await eventually(() => auditLog(orgId), {
 *   until: (log) => log.length === 3,
 *   description: 'the three audit entries',
 * });
 */
export async function eventually<T>(
  condition: () => Promise<T>,
  options: EventuallyOptions<T> & { until: (value: T) => boolean },
): Promise<T>;
export async function eventually<T>(
  condition: () => Promise<T | undefined>,
  options?: EventuallyOptions<T | undefined>,
): Promise<T>;
export async function eventually<T>(condition: () => Promise<T>, options: EventuallyOptions<T> = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, until = (value: T) => value !== undefined } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (until(value)) return value;
    if (Date.now() >= deadline) {
      const awaited = options.description ?? condition.toString().replace(/\s+/g, ' ').slice(0, 200);
      throw new Error(
        `eventually: timed out after ${timeoutMs} ms waiting for ${awaited}; last value seen: ${inspect(value, { depth: 4, breakLength: Infinity })}`,
      );
    }
    await delay(intervalMs);
  }
}
