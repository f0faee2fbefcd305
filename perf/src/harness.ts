// What every figure shares: the platform it measures (with the bench-only service and a
// gateway in front of both), interleaved sampling with autocannon, percentiles, and the results
// files (perf/results/<timestamp>.json, the figure's section of latest.md, the SVG chart).
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  busyPorts,
  corsPolicy,
  createUser,
  describeService,
  type GatewayRoute,
  type InfrastructureInfo,
  idToken,
  type OfflineService,
  platformPorts,
  type ServiceDefinition,
  serviceNames,
  startGateway,
  startOffline,
  startPlatform,
  stateFile,
} from '@tenantry/local-platform';
import autocannon from 'autocannon';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultResultsDir = join(repoRoot, 'perf', 'results');
/** A results directory as a log line shows it: relative to the repository when inside it. */
export const shownDir = (dir: string) => (dir.startsWith(repoRoot) ? relative(repoRoot, dir) : dir);
export const benchDir = join(repoRoot, 'perf', 'bench');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const log = (line: string) => process.stdout.write(`[perf] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Statistics

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentiles of `samples` (ms or bytes), rounded to 3 decimals. */
export function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => {
    if (sorted.length === 0) return Number.NaN;
    const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
    return Math.round(value * 1000) / 1000;
  };
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

// ---------------------------------------------------------------------------------------------
// The platform under measurement

export interface BenchPlatform {
  /** The gateway in front of every service and the bench service (A and B take the same hops). */
  baseUrl: string;
  info: InfrastructureInfo;
  dataDir: string;
  newUser(prefix: string): Promise<{ token: string; userId: string; email: string }>;
  stop(): Promise<void>;
}

const BENCH_SERVICE = 'tenantry-perf-bench';

/** The bench service as the gateway and `startOffline` need it (its routes are in its serverless.yml). */
const BENCH_ROUTES = [
  { method: 'GET', path: '/health/perf-bench' },
  { method: 'GET', path: '/bench/organizations/{orgId}' },
  { method: 'GET', path: '/bench/organizations/{orgId}/applications/{appId}' },
  { method: 'POST', path: '/bench/organizations/{orgId}/applications' },
  { method: 'GET', path: '/bench/unlimited/organizations/{orgId}' },
  { method: 'GET', path: '/bench/unlimited/organizations/{orgId}/applications/{appId}' },
  { method: 'POST', path: '/bench/unlimited/organizations/{orgId}/applications' },
];

/**
 * The bench service resolves its packages through a service's node_modules (it is no workspace
 * package: nothing installs or deploys it); a link made here, git-ignored.
 */
export function linkBenchModules(): void {
  const link = join(benchDir, 'node_modules');
  try {
    lstatSync(link);
  } catch {
    symlinkSync(join('..', '..', 'services', 'organizations', 'node_modules'), link);
  }
}

/**
 * `existing`: the platform jest's global setup started (the smoke test, from its environment);
 * otherwise a platform of its own on `portOffset`, DynamoDB in memory, rate limits ×`rateLimitScale`.
 * Either way, the bench service runs beside it under `sls offline` and a gateway serves both.
 */
export async function startBenchPlatform(options: {
  existing?: boolean;
  portOffset?: number;
  rateLimitScale?: number;
}): Promise<BenchPlatform> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let dataDir: string;
    let offset: number;
    if (options.existing) {
      dataDir = process.env.TENANTRY_DATA_DIR ?? '';
      if (!dataDir) throw new Error('TENANTRY_DATA_DIR is not set: is the test platform running?');
      offset = Number(new URL(process.env.TENANTRY_BASE_URL ?? '').port) - 3000;
    } else {
      offset = options.portOffset ?? 6_500;
      const busy = await busyPorts(offset);
      if (busy.length > 0) throw new Error(`ports ${busy.join(', ')} of port offset ${offset} are in use`);
      dataDir = mkdtempSync(join(tmpdir(), 'tenantry-perf-'));
      log(`starting a platform on port offset ${offset} (data and logs in ${dataDir})`);
      const platform = await startPlatform({
        portOffset: offset,
        dataDir,
        inMemory: true,
        rateLimitScale: options.rateLimitScale ?? 1000,
        logs: { kind: 'file', path: (name) => join(dataDir, 'logs', `${name}.log`) },
      });
      stops.push(async () => {
        await platform.stop();
        rmSync(dataDir, { recursive: true, force: true });
      });
    }
    const file = stateFile(dataDir);
    const info = JSON.parse(readFileSync(file, 'utf8')) as InfrastructureInfo;
    // The bench service's ports, beside the layout's (its serverless.yml reads them from the state file).
    const benchPorts = { http: 3090 + offset, lambda: 3190 + offset };
    info.offline[BENCH_SERVICE] = { directory: 'perf/bench', httpPort: benchPorts.http, lambdaPort: benchPorts.lambda };
    writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
    linkBenchModules();
    const bench: ServiceDefinition = {
      name: 'perf-bench',
      dir: benchDir,
      serviceName: BENCH_SERVICE,
      routes: BENCH_ROUTES,
      subscriptions: [],
      streams: [],
      tables: [],
    };
    const logs = { kind: 'file' as const, path: (name: string) => join(dataDir, 'logs', `${name}.log`) };
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    const offline: OfflineService = await startOffline(bench, benchPorts, { dataDir, logs, offset });
    stops.push(() => offline.stop());

    const ports = platformPorts(offset);
    const names = serviceNames();
    const services = await Promise.all(
      names.map((name) => describeService(name, 'local', { TENANTRY_DATA_DIR: dataDir })),
    );
    const routes: GatewayRoute[] = [
      ...services.flatMap((service, index) =>
        service.routes.map((route) => ({ ...route, service: service.name, port: ports.service(index).http })),
      ),
      ...BENCH_ROUTES.map((route) => ({ ...route, service: bench.name, port: benchPorts.http })),
    ];
    const gatewayPort = 3099 + offset;
    const gateway: Server = await startGateway({ port: gatewayPort, routes, healthRoutes: [], cors: corsPolicy() });
    stops.push(() => new Promise<void>((resolve) => gateway.close(() => resolve())));

    const run = Date.now().toString(36);
    let users = 0;
    return {
      baseUrl: `http://127.0.0.1:${gatewayPort}`,
      info,
      dataDir,
      async newUser(prefix) {
        const email = `perf-${prefix}-${run}-${users++}@example.test`;
        await createUser(info.cognitoEndpoint, info.pool, email);
        const token = await idToken(info.cognitoEndpoint, info.pool, email);
        const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
        return { token, userId: claims.sub, email };
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** One request of setup (not measured); a 503 or 429 is retried after its Retry-After. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        ...(method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if ((response.status === 503 || response.status === 429) && attempt < 20) {
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { status: response.status, body: json };
  }
}

// ---------------------------------------------------------------------------------------------
// Interleaved sampling through autocannon (127.0.0.1 only, bounded counts)

export interface Variant {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A body per request (a fresh one each time, e.g. a new name). */
  body?: () => string;
  /** Answers this variant must give (default: any 2xx). */
  expect?: (status: number) => boolean;
}

/** Latencies (ms) of each variant, and the statuses each answered. */
export interface Sampled {
  latencies: Record<string, number[]>;
  statuses: Record<string, Record<string, number>>;
}

/** `amount` requests of one variant on one connection; resolves to each request's latency. */
function burst(
  baseUrl: string,
  variant: Variant,
  amount: number,
): Promise<{ latencies: number[]; statuses: number[] }> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const statuses: number[] = [];
    const instance = autocannon(
      {
        url: baseUrl,
        connections: 1,
        amount,
        timeout: 30,
        requests: [
          {
            method: (variant.method ?? 'GET') as 'GET',
            path: variant.path,
            headers: { ...variant.headers, ...(variant.body ? { 'content-type': 'application/json' } : {}) },
            ...(variant.body ? { setupRequest: (request) => ({ ...request, body: variant.body!() }) } : {}),
          },
        ],
      },
      (error) => (error ? reject(error) : resolve({ latencies, statuses })),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statuses.push(statusCode);
      latencies.push(responseTime);
    });
  });
}

/**
 * A and B (and more) interleaved: `rounds` rounds, in each one burst of `perRound` requests of
 * every variant in turn (the order rotating), after `warmup` unrecorded requests of each.
 */
export async function interleave(
  baseUrl: string,
  variants: Variant[],
  counts: { rounds: number; perRound: number; warmup: number },
): Promise<Sampled> {
  const sampled: Sampled = { latencies: {}, statuses: {} };
  for (const variant of variants) {
    sampled.latencies[variant.name] = [];
    sampled.statuses[variant.name] = {};
    if (counts.warmup > 0) await burst(baseUrl, variant, counts.warmup);
  }
  for (let round = 0; round < counts.rounds; round++) {
    for (let index = 0; index < variants.length; index++) {
      const variant = variants[(index + round) % variants.length]!;
      const { latencies, statuses } = await burst(baseUrl, variant, counts.perRound);
      sampled.latencies[variant.name]!.push(...latencies);
      for (const status of statuses) {
        const tally = sampled.statuses[variant.name]!;
        tally[status] = (tally[status] ?? 0) + 1;
      }
    }
  }
  for (const variant of variants) {
    const ok = variant.expect ?? ((status: number) => status >= 200 && status < 300);
    const bad = Object.keys(sampled.statuses[variant.name]!).filter((status) => !ok(Number(status)));
    if (bad.length > 0) {
      throw new Error(
        `${variant.name} answered ${JSON.stringify(sampled.statuses[variant.name])}: not what it measures`,
      );
    }
  }
  return sampled;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface Series extends Distribution {
  name: string;
  unit: 'ms' | 'bytes' | 'MiB';
}

/** One figure's outcome: the rows of its summary line and its own section of latest.md. */
export interface FigureResult {
  id: string;
  title: string;
  target: string;
  /** The measured value the target is about, e.g. `1.18× p50, 1.31× p99`. */
  measured: string;
  met: boolean;
  /** Distributions for the chart (latency series only). */
  series: Series[];
  /** Markdown of the figure's section (without its heading). */
  details: string;
  data: unknown;
}

export interface RunContext {
  smoke: boolean;
  resultsDir: string;
}

export function writeSection(resultsDir: string, id: string, section: string): void {
  const latest = join(resultsDir, 'latest.md');
  const current = existsSync(latest)
    ? readFileSync(latest, 'utf8')
    : '# Latest perf results\n\nEach section is rewritten by the benchmark that owns it.\n';
  const start = `<!-- ${id}: start`;
  const end = `<!-- ${id}: end -->`;
  const pattern = new RegExp(`${escapeRegExp(start)}[\\s\\S]*?${escapeRegExp(end)}`);
  const block = `${start} (written by perf/src/run.ts) -->\n${section.trim()}\n${end}`;
  writeFileSync(
    latest,
    pattern.test(current) ? current.replace(pattern, () => block) : `${current.trimEnd()}\n\n${block}\n`,
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const distributionRow = (series: Series) =>
  `| ${series.name} | ${series.n} | ${series.p50} | ${series.p90} | ${series.p99} |`;

export const distributionTable = (series: Series[], unit = 'ms') =>
  [
    `| series | n | p50 (${unit}) | p90 (${unit}) | p99 (${unit}) |`,
    '|---|---|---|---|---|',
    ...series.map(distributionRow),
  ].join('\n');

/**
 * The SVG chart: each latency series as a bar from p50 to p90 and a whisker to p99, grouped by figure,
 * on a logarithmic axis (in-process microseconds and loaded p99s of hundreds of ms side by side).
 */
export function chart(figures: FigureResult[]): string {
  const rows = figures.flatMap((figure) =>
    figure.series.filter((series) => series.unit === 'ms').map((series) => ({ figure: figure.id, ...series })),
  );
  const width = 960;
  const left = 400;
  const right = 30;
  const rowHeight = 22;
  const top = 40;
  const height = top + rows.length * rowHeight + 40;
  const positive = rows.flatMap((row) => [row.p50, row.p90, row.p99]).filter((value) => value > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(1, ...positive)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(1, ...positive)));
  const x = (value: number) =>
    Math.round(
      (left + (Math.log10(Math.max(value, low) / low) / Math.log10(high / low)) * (width - left - right)) * 10,
    ) / 10;
  const ticks: number[] = [];
  for (let decade = low; decade <= high; decade *= 10) ticks.push(decade);
  const text = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Latency (ms, log scale): bar p50–p90, whisker to p99, thick tick at p50; blue A, grey B</text>`,
    ...ticks.map(
      (tick) =>
        `<line x1="${x(tick)}" y1="${top - 8}" x2="${x(tick)}" y2="${height - 30}" stroke="#ddd"/><text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${Number(tick.toPrecision(1))}</text>`,
    ),
  ];
  rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    const colour = /^B |bench|bare/.test(row.name) ? '#8a8a8a' : '#2b6cb0';
    parts.push(
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${text(`${row.figure} ${row.name}`)} (n=${row.n})</text>`,
      `<line x1="${x(row.p90)}" y1="${y + 10}" x2="${x(row.p99)}" y2="${y + 10}" stroke="${colour}"/>`,
      `<line x1="${x(row.p99)}" y1="${y + 5}" x2="${x(row.p99)}" y2="${y + 15}" stroke="${colour}"/>`,
      `<rect x="${x(row.p50)}" y="${y + 4}" width="${Math.max(1, Math.round((x(row.p90) - x(row.p50)) * 10) / 10)}" height="12" fill="${colour}" fill-opacity="0.35" stroke="${colour}"/>`,
      `<line x1="${x(row.p50)}" y1="${y + 2}" x2="${x(row.p50)}" y2="${y + 18}" stroke="${colour}" stroke-width="2"/>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
