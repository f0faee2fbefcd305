// `npm run perf`: every figure of perf/README.md (R1–R7, R9) and R8 (src/footprint.ts), end to end.
//
//   npm run perf                          # R1–R9
//   npm run perf -- --figure R1,R5        # some of them
//   npm run perf -- --figure R8 --target npm-start   # options after the figures go to footprint.ts
//
// R1, R4–R7 and R9 run against a platform of their own (port offset 6500, DynamoDB in memory, rate limits
// ×1000 so that the limiter counts but never refuses), with the bench-only service of perf/bench and
// a gateway in front of both. Writes perf/results/<timestamp>.json, each figure's section of
// perf/results/latest.md, the summary table and the chart (perf/results/latency.svg).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { r1, r2, r3, r4, r5, r6, r7 } from './figures';
import {
  type BenchPlatform,
  chart,
  defaultResultsDir,
  type FigureResult,
  log,
  type RunContext,
  repoRoot,
  shownDir,
  startBenchPlatform,
  writeSection,
} from './harness';
import { r9 } from './r9';

export const FIGURES = ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9'] as const;
const NEEDS_PLATFORM = new Set(['R1', 'R4', 'R5', 'R6', 'R7', 'R9']);

/**
 * Runs R1–R7 (those of `ids`) and returns their results; starts and stops the platform they need.
 * R2 and R3 run first, before the platform starts: they measure in-process and fresh-process CPU
 * work, and an idle platform is not idle (serverless-offline polls the outbox streams, the JVM of
 * DynamoDB Local collects), which lands in their samples as bursts.
 */
export async function runFigures(
  ids: readonly string[],
  ctx: RunContext,
  platformOptions: Parameters<typeof startBenchPlatform>[0],
): Promise<FigureResult[]> {
  const results: FigureResult[] = [];
  let platform: BenchPlatform | undefined;
  const ordered = [...ids.filter((id) => !NEEDS_PLATFORM.has(id)), ...ids.filter((id) => NEEDS_PLATFORM.has(id))];
  try {
    for (const id of ordered) {
      if (NEEDS_PLATFORM.has(id) && !platform) platform = await startBenchPlatform(platformOptions);
      log(`${id}…`);
      const started = performance.now();
      const result = await (async () => {
        switch (id) {
          case 'R1':
            return r1(platform!, ctx);
          case 'R2':
            return r2(ctx);
          case 'R3':
            return r3(ctx);
          case 'R4':
            return r4(platform!, ctx);
          case 'R5':
            return r5(platform!, ctx);
          case 'R6':
            return r6(platform!, ctx);
          case 'R7':
            return r7(platform!, ctx);
          case 'R9':
            return r9(platform!, ctx);
          default:
            return undefined;
        }
      })();
      if (!result) continue;
      results.push(result);
      log(
        `${id} ${result.title}: ${result.measured} (target ${result.target}: ${result.met ? 'met' : 'NOT met'}) in ${Math.round((performance.now() - started) / 1000)} s`,
      );
    }
  } finally {
    await platform?.stop();
  }
  return ids.flatMap((id) => results.filter((result) => result.id === id));
}

export interface SummaryRow {
  id: string;
  title: string;
  target: string;
  measured: string;
  met: boolean;
  at: string;
  file: string;
}

/** Writes the run's JSON, each figure's section, the summary (kept per figure across runs) and the chart. */
export function writeResults(results: FigureResult[], ctx: RunContext, extra: SummaryRow[] = []): string {
  mkdirSync(ctx.resultsDir, { recursive: true });
  const at = new Date().toISOString();
  const file = `${at.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`;
  const machine = machineInfo();
  writeFileSync(join(ctx.resultsDir, file), `${JSON.stringify({ at, machine, smoke: ctx.smoke, results }, null, 2)}\n`);
  for (const result of results) {
    writeSection(
      ctx.resultsDir,
      `${result.id} ${result.title}`,
      `## ${result.id} ${result.title}\n\nTarget ${result.target}: ${result.met ? '**met**' : '**NOT met**'} (${result.measured}).\n\n${result.details}\n\nRaw: \`perf/results/${file}\`.`,
    );
  }
  // The summary keeps each figure's latest row, so that a run of one figure leaves the others.
  const summaryFile = join(ctx.resultsDir, 'summary.json');
  const summary: Record<string, SummaryRow> = existsSync(summaryFile)
    ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, SummaryRow>)
    : {};
  for (const result of results) {
    summary[result.id] = {
      id: result.id,
      title: result.title,
      target: result.target,
      measured: result.measured,
      met: result.met,
      at,
      file,
    };
  }
  for (const row of extra) summary[row.id] = row;
  writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  // The chart: the latest latency distributions of every figure that has some.
  const charted = new Map<string, FigureResult>();
  for (const row of Object.values(summary)) {
    const path = join(ctx.resultsDir, row.file);
    if (!existsSync(path) || !row.file.endsWith('.json') || row.file.startsWith('footprint')) continue;
    const old = JSON.parse(readFileSync(path, 'utf8')) as { results?: FigureResult[] };
    const figure = old.results?.find((candidate) => candidate.id === row.id);
    if (figure) charted.set(row.id, figure);
  }
  writeFileSync(join(ctx.resultsDir, 'latency.svg'), chart(FIGURES.flatMap((id) => charted.get(id) ?? [])));
  const rows = FIGURES.flatMap((id) => (summary[id] ? [summary[id]] : []));
  writeSection(
    ctx.resultsDir,
    'summary',
    `## Summary

Every figure is a ratio measured in one run on one machine, A and B interleaved, after warm-up (R8:
resource measures; R9: exact counts, in dollars). Figures are keyed in perf/README.md. Latest run of
this section: ${at}, ${machine.summary}. A run of some figures leaves the others' rows: ${provenance(rows)}.

| # | figure | target | measured | met | run |
|---|---|---|---|---|---|
${rows.map((row) => `| ${row.id} | ${row.title} | ${row.target} | ${row.measured} | ${row.met ? 'yes' : '**NO**'} | \`${row.file}\` |`).join('\n')}

The seed this project grew from: its security layer at **2.74×** the latency of a bare DynamoDB read
(46.35 ms against 16.91 ms), with a **297 ms** cold start. Ours: R1 (the secured read against the bare
read, same hops) and R3 (module initialisation per function) above.

![Latency distributions](latency.svg)`,
  );
  return file;
}

/** Which run each row comes from, e.g. "R1–R8 from the run of 2026-11-29T19:40Z, R9 from …". */
export function provenance(rows: readonly SummaryRow[]): string {
  const runs = new Map<string, string[]>();
  for (const row of rows) {
    const day = row.at.replace(/:\d\d\.\d+Z$/, 'Z');
    runs.set(day, [...(runs.get(day) ?? []), row.id]);
  }
  return [...runs.entries()].map(([at, ids]) => `${ids.join(', ')} from the run of ${at}`).join('; ');
}

function machineInfo() {
  const version = (name: string, dir = 'services/organizations') => {
    try {
      const require = JSON.parse(
        readFileSync(join(repoRoot, dir, 'node_modules', ...name.split('/'), 'package.json'), 'utf8'),
      ) as { version: string };
      return require.version;
    } catch {
      return 'unknown';
    }
  };
  const packages = {
    osls: version('osls'),
    'serverless-offline': version('serverless-offline'),
    esbuild: version('esbuild'),
    '@middy/core': version('@middy/core'),
    '@aws-sdk/client-dynamodb': version('@aws-sdk/client-dynamodb'),
    'aws-jwt-verify': version('aws-jwt-verify', 'packages/security'),
    autocannon: version('autocannon', 'perf'),
  };
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const info = {
    cpus: cpus().length,
    cpu,
    totalMemGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg()
      .map((value) => value.toFixed(1))
      .join(' '),
    node: process.version,
    commit,
    packages,
  };
  return {
    ...info,
    summary: `commit ${commit}, ${info.cpus} × ${cpu}, ${info.totalMemGiB} GiB, load ${info.loadAverage}, Node ${info.node}, ${Object.entries(
      packages,
    )
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}`,
  };
}

/** R8's row of the summary, from the newest footprint-*.json footprint.ts wrote. */
function footprintRow(resultsDir: string): SummaryRow | undefined {
  if (!existsSync(resultsDir)) return undefined;
  const files = readdirSync(resultsDir)
    .filter((name) => name.startsWith('footprint-') && name.endsWith('.json'))
    .sort();
  const file = files.at(-1);
  if (!file) return undefined;
  const report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as {
    at: string;
    runs: Array<{
      target: string;
      idle: { totalMiB: number };
      timeToHealthMs: number;
      verdicts: Record<string, boolean | number>;
    }>;
  };
  const met = report.runs.every((run) =>
    Object.entries(run.verdicts).every(([, verdict]) => typeof verdict !== 'boolean' || verdict),
  );
  return {
    id: 'R8',
    title: 'platform footprint',
    target: 'idle ≤ 2048 MiB, ≤ 2560 MiB after 10,000 requests, no growth, healthy ≤ 20 s, clean Ctrl-C',
    measured: report.runs
      .map(
        (run) => `${run.target}: idle ${run.idle.totalMiB} MiB, healthy in ${(run.timeToHealthMs / 1000).toFixed(1)} s`,
      )
      .join('; '),
    met,
    at: report.at,
    file,
  };
}

const isMain = process.argv[1]?.endsWith('run.ts');
if (isMain) {
  const { values, positionals } = parseArgs({
    options: {
      figure: { type: 'string', default: FIGURES.join(',') },
      'results-dir': { type: 'string', default: defaultResultsDir },
    },
    allowPositionals: true,
    strict: false,
  });
  const ids = String(values.figure)
    .split(',')
    .map((id) => id.trim().toUpperCase())
    .filter(Boolean);
  const unknown = ids.filter((id) => !(FIGURES as readonly string[]).includes(id));
  if (unknown.length > 0) {
    console.error(`unknown figure(s) ${unknown.join(', ')}; the figures: ${FIGURES.join(', ')}`);
    process.exit(2);
  }
  // Absolute: footprint.ts (R8) runs from the repository root, this script from perf/.
  const ctx: RunContext = { smoke: false, resultsDir: resolve(String(values['results-dir'])) };
  const results = await runFigures(ids, ctx, { portOffset: 6_500, rateLimitScale: 1000 });
  const extra: SummaryRow[] = [];
  if (ids.includes('R8')) {
    // Last, on a quiet machine: R8 starts platforms of its own and measures their whole process tree.
    const forwarded = process.argv
      .slice(2)
      .filter(
        (arg, index, all) =>
          !['--figure', '--results-dir'].includes(arg) &&
          !['--figure', '--results-dir'].includes(all[index - 1] ?? '') &&
          !/^--(figure|results-dir)=/.test(arg),
      );
    forwarded.push('--results-dir', ctx.resultsDir);
    const footprint = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(repoRoot, 'perf', 'src', 'footprint.ts'),
        ...forwarded,
        ...positionals.filter((arg) => !forwarded.includes(arg)),
      ],
      { stdio: 'inherit', cwd: repoRoot },
    );
    if (footprint.status !== 0) log(`R8 (footprint.ts) exited with ${footprint.status}`);
    const row = footprintRow(ctx.resultsDir);
    if (row) extra.push(row);
  }
  const file = writeResults(results, ctx, extra);
  const dir = shownDir(ctx.resultsDir);
  log(`wrote ${dir}/${file}, ${dir}/latest.md and ${dir}/latency.svg`);
  process.exit(0);
}
