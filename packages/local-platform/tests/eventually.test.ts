import { describe, expect, it } from '@jest/globals';
import { eventually } from '../src/testing';

/** A condition whose n-th read returns the n-th of `values` (then the last one, forever). */
const reads = <T>(...values: T[]) => {
  let count = 0;
  const condition = async () => values[Math.min(count++, values.length - 1)] as T;
  return { condition, count: () => count };
};

describe('eventually', () => {
  it('returns the first value other than undefined', async () => {
    const { condition, count } = reads<string | undefined>(undefined, undefined, 'ready');
    await expect(eventually(condition, { intervalMs: 1 })).resolves.toBe('ready');
    expect(count()).toBe(3);
  });

  it('returns the first value that holds when given `until`', async () => {
    const { condition } = reads(1, 2, 3, 4);
    await expect(eventually(condition, { until: (n) => n >= 3, intervalMs: 1 })).resolves.toBe(3);
  });

  it('fails after the timeout, naming what it awaited and the last value seen', async () => {
    const { condition } = reads(0, 1, 2);
    await expect(
      eventually(condition, { until: (n) => n === 5, timeoutMs: 50, intervalMs: 1, description: 'five deliveries' }),
    ).rejects.toThrow(/timed out after 50 ms waiting for five deliveries; last value seen: 2$/);
  });

  it('names the condition by its source when given no description', async () => {
    await expect(eventually(async () => undefined, { timeoutMs: 0 })).rejects.toThrow(/waiting for async \(\)/);
  });

  it('fails at once when the condition throws', async () => {
    const { condition, count } = reads(0);
    const failing = async () => {
      await condition();
      throw new Error('table not found');
    };
    await expect(eventually(failing, { timeoutMs: 5_000 })).rejects.toThrow('table not found');
    expect(count()).toBe(1);
  });
});
