// The perf harness's smoke mode: every benchmark runs, end to end, with tiny bounded
// counts against the platform jest's global setup started, and writes numbers. It never judges a
// timing (the figures' verdicts are left to `npm run perf`); it checks that each figure produced
// finite, non-negative samples and that the results files were written.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { FigureResult, RunContext } from '../src/harness';
import { sampleTree } from '../src/process-tree';
import { runFigures, writeResults } from '../src/run';

const ctx: RunContext = { smoke: true, resultsDir: mkdtempSync(join(tmpdir(), 'tenantry-perf-smoke-')) };

afterAll(() => rmSync(ctx.resultsDir, { recursive: true, force: true }));

const finite = (value: number) => Number.isFinite(value) && value >= 0;

describe('npm run perf, smoke mode', () => {
  let results: FigureResult[] = [];

  it('runs R1 to R7 with tiny counts and each one reports p50, p90, p99 and a sample count', async () => {
    results = await runFigures(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7'], ctx, { existing: true });

    expect(results.map((result) => result.id)).toEqual(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7']);
    for (const result of results) {
      expect({ id: result.id, measured: result.measured.length > 0, details: result.details.length > 0 }).toEqual({
        id: result.id,
        measured: true,
        details: true,
      });
      for (const series of result.series) {
        expect({
          id: result.id,
          series: series.name,
          numbers: [series.p50, series.p90, series.p99].every(finite),
          n: series.n > 0,
        }).toEqual({
          id: result.id,
          series: series.name,
          numbers: true,
          n: true,
        });
      }
    }
  }, 150_000);

  it('writes the run JSON, every figure section and the summary of latest.md, and the SVG chart', () => {
    const file = writeResults(results, ctx);

    const latest = readFileSync(join(ctx.resultsDir, 'latest.md'), 'utf8');
    expect(JSON.parse(readFileSync(join(ctx.resultsDir, file), 'utf8')).results).toHaveLength(7);
    for (const result of results) expect(latest).toContain(`## ${result.id} ${result.title}`);
    expect(latest).toContain('2.74×');
    expect(latest).toContain('![Latency distributions](latency.svg)');
    expect(readFileSync(join(ctx.resultsDir, 'latency.svg'), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  });

  it('R8 samples a process tree (the footprint harness itself starts platforms of its own: not here)', () => {
    const sample = sampleTree(process.pid);

    expect(finite(sample.totalMiB) && sample.totalMiB > 0).toBe(true);
    expect(existsSync(ctx.resultsDir)).toBe(true);
  });
});
