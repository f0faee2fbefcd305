import { describe, expect, it } from '@jest/globals';
import { ServiceUnavailableError } from '@tenantry/errors';
import { backoffDelay, retry } from '../src/retry';

const noSleep = async () => undefined;

describe('retry', () => {
  it('tries again until the operation succeeds, waiting a growing, jittered delay between attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Error('busy');
        return 'done';
      },
      { attempts: 5, baseDelayMs: 100, maxDelayMs: 300, sleep: async (ms) => void waits.push(ms) },
    );
    expect({ result, calls }).toEqual({ result: 'done', calls: 4 });
    // 100, 200, then capped at 300: each between half its ceiling and the ceiling.
    expect(waits.map((ms, index) => ms >= [50, 100, 150][index]! && ms <= [100, 200, 300][index]!)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('ends spent attempts with 503 SERVICE_UNAVAILABLE, Retry-After and the last failure as its cause', async () => {
    let calls = 0;
    const last = new Error('still throttled');
    const failure = await retry(
      async () => {
        calls++;
        throw calls === 3 ? last : new Error('throttled');
      },
      { attempts: 3, sleep: noSleep },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure).toMatchObject({ statusCode: 503, retryAfterSeconds: 1, cause: last });
    expect(calls).toBe(3);
  });

  it('throws a failure that is not retryable at once, as it is', async () => {
    const bug = new TypeError('not a retry matter');
    let calls = 0;
    const outcome = retry(
      async () => {
        calls++;
        throw bug;
      },
      { attempts: 5, retryable: (error) => !(error instanceof TypeError), sleep: noSleep },
    );
    await expect(outcome).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('tells onRetry of each failure it will try again, not of the last one', async () => {
    const told: number[] = [];
    await retry(
      async () => {
        throw new Error('busy');
      },
      { attempts: 3, sleep: noSleep, onRetry: (_error, attempt) => told.push(attempt) },
    ).catch(() => undefined);
    expect(told).toEqual([1, 2]);
  });

  it('keeps every delay within half its ceiling and the ceiling, the cap included', () => {
    for (const random of [0, 0.5, 0.999]) {
      expect(backoffDelay(1, 20, 1000, () => random)).toBeGreaterThanOrEqual(10);
      expect(backoffDelay(1, 20, 1000, () => random)).toBeLessThanOrEqual(20);
      expect(backoffDelay(30, 20, 1000, () => random)).toBeGreaterThanOrEqual(500);
      expect(backoffDelay(30, 20, 1000, () => random)).toBeLessThanOrEqual(1000);
    }
  });
});
