// R3's verdict: the targets per function, and no verdict at all when the run's control is noisy.
import { describe, expect, it } from '@jest/globals';
import { CONTROL_TOLERANCE, r3Verdict } from '../src/figures';

const row = (init: number, bytes = 1_000) => ({
  bytes,
  bareBytes: 1_000,
  init: { p50: init },
  bareInit: { p50: 100 },
});

describe('the verdict of R3 (cold start)', () => {
  it('is met when every function is within 1.25× init and 2× bytes and the control is within ±5%', () => {
    expect(r3Verdict([row(110), row(125, 2_000)], 1.04)).toEqual({
      worstInit: 1.25,
      worstBytes: 2,
      quiet: true,
      met: true,
    });
  });

  it('is not met when one function initialises slower than 1.25× its bare handler', () => {
    expect(r3Verdict([row(110), row(126)], 1)).toMatchObject({ worstInit: 1.26, met: false });
  });

  it('is not met when one bundle is more than twice its bare handler', () => {
    expect(r3Verdict([row(110, 2_010)], 1)).toMatchObject({ worstBytes: 2.01, met: false });
  });

  it('gives no verdict (not met) when the control is off by more than 5%, however good the functions', () => {
    expect(CONTROL_TOLERANCE).toBe(0.05);
    for (const control of [0.94, 1.06]) {
      expect(r3Verdict([row(100)], control)).toMatchObject({ quiet: false, met: false });
    }
    for (const control of [0.95, 1.05]) {
      expect(r3Verdict([row(100)], control)).toMatchObject({ quiet: true, met: true });
    }
  });
});
