// R8, the local platform's footprint: the resident memory of the whole process tree of
// one platform, idle and after a fixed mix of requests, and its time to a healthy `GET /health`.
//
//   npm run perf [-- --target npm-start|test-platform|all] [--requests 10000] [--connections 8]
//
// - `npm-start`: `node scripts/run.mjs start` (exactly what `npm start` runs: install check, build,
//   platform) on ports of its own (`--port-offset`, default 17500) and a temporary data dir;
// - `test-platform`: the platform jest's global setup starts (perf/src/test-platform.ts).
// Each target is started and stopped once before the measured start (the target's time to healthy is a
// warm build's). Only the tree of the platform this script starts is measured (children found by parent pid), so
// other platforms on the machine do not count. Every request goes to 127.0.0.1. Each platform is
// stopped with SIGINT (Ctrl-C) at the end, and the run checks that no process and no port is left.
// Writes footprint-<timestamp>.json and the section "R8 footprint" of latest.md in perf/results (or
// `--results-dir`).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  busyPorts,
  createUser,
  type InfrastructureInfo,
  idToken,
  processesMentioning,
  processTree,
  stateFile,
} from '@tenantry/local-platform';
import autocannon from 'autocannon';
import { repoRoot, shownDir } from './harness';
import { sampleTree, type TreeSample } from './process-tree';

/** R8's targets (perf/README.md). */
export const TARGETS = {
  idleMiB: 2048,
  afterRequestsMiB: 2560,
  /** "No growth between 5,000 and 10,000": more than this is growth, less is the noise of GC timing. */
  growthToleranceMiB: 50,
  timeToHealthMs: 20_000,
};

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'all' },
    requests: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '8' },
    'port-offset': { type: 'string', default: '17500' },
    settle: { type: 'string', default: '10' },
    'results-dir': { type: 'string', default: join(repoRoot, 'perf', 'results') },
  },
});
const resultsDir = resolve(values['results-dir']!);
const totalRequests = Number(values.requests);
const connections = Number(values.connections);
const settleMs = Number(values.settle) * 1000;
const targets = values.target === 'all' ? ['npm-start', 'test-platform'] : [values.target!];

/** Every platform's output of this run, kept (the data dirs are removed). */
const logDir = mkdtempSync(join(tmpdir(), 'tenantry-footprint-logs-'));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`[footprint] ${line}\n`);

interface Started {
  child: ChildProcess;
  baseUrl: string;
  dataDir: string;
  timeToHealthMs: number;
  /** ms from the command to each step of the start. */
  milestones: Record<string, number>;
  /** The ports to check after the stop. */
  portOffset: number;
  removeDataDir: boolean;
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function untilHealthy(child: ChildProcess, baseUrl: () => string | undefined, output: () => string) {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the platform exited (${child.exitCode}):\n${output()}`);
    const url = baseUrl();
    if (url && (await healthy(url))) return;
    await sleep(200);
  }
  throw new Error(`the platform was not healthy within 600 s:\n${output()}`);
}

/** Lines whose first appearance marks a step of the start (ms from the command, in the report). */
const MILESTONES: Array<[string, RegExp]> = [
  ['built (turbo)', /^Starting Tenantry/m],
  ['infrastructure up, services starting', /Starting Offline at stage/],
  ...['applications', 'memberships', 'notifications', 'organizations'].map((service): [string, RegExp] => [
    `${service} ready`,
    new RegExp(`\\[${service}\\] Server ready`),
  ]),
];

function spawnLogged(
  args: string[],
  logFile: string,
): { child: ChildProcess; output: () => string; milestones: Record<string, number> } {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(logFile);
  let output = '';
  const milestones: Record<string, number> = {};
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (!file.writableEnded) file.write(chunk);
    for (const [name, pattern] of MILESTONES) {
      if (milestones[name] === undefined && pattern.test(output))
        milestones[name] = Math.round(performance.now() - started);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.once('exit', () => file.end());
  return { child, output: () => output, milestones };
}

/** Ctrl-C, as a developer stops it; resolves to its exit code (null: still running after 60 s). */
async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  return Promise.race([exited, sleep(60_000).then(() => null)]);
}

async function startNpmStart(portOffset: number): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-footprint-'));
  const baseUrl = `http://127.0.0.1:${3000 + portOffset}`;
  const started = performance.now();
  const { child, output, milestones } = spawnLogged(
    // --no-reload: other people's edits in this working tree would restart the services mid-run.
    ['scripts/run.mjs', 'start', '--port-offset', String(portOffset), '--data-dir', dataDir, '--no-reload'],
    join(logDir, 'npm-start.log'),
  );
  // The gateway answers /health only once every service is up, so the port alone proves nothing.
  try {
    await untilHealthy(child, () => (output().includes('Tenantry is running.') ? baseUrl : undefined), output);
  } catch (error) {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    child,
    baseUrl,
    dataDir,
    timeToHealthMs: Math.round(performance.now() - started),
    milestones,
    portOffset,
    removeDataDir: true,
  };
}

async function startTestPlatform(): Promise<Started> {
  const started = performance.now();
  const { child, output, milestones } = spawnLogged(
    [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'perf', 'src', 'test-platform.ts')],
    join(logDir, 'test-platform.log'),
  );
  const ready = () => /^READY (\S+) (\S+)$/m.exec(output());
  try {
    await untilHealthy(child, () => ready()?.[1], output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const [, baseUrl, dataDir] = ready()!;
  const timeToHealthMs = Math.round(performance.now() - started);
  return {
    child,
    baseUrl: baseUrl!,
    dataDir: dataDir!,
    timeToHealthMs,
    milestones,
    portOffset: Number(new URL(baseUrl!).port) - 3000,
    // jest's teardown removes the test platform's own data dir.
    removeDataDir: false,
  };
}

interface Fixture {
  token: string;
  orgId: string;
  appId: string;
  apiKey: string;
}

/** One setup request; a cold or busy service's 503 or 429 is retried after its Retry-After. */
async function call(baseUrl: string, method: string, path: string, token: string, body?: unknown) {
  // The same key on every attempt: a create that went through but answered late is replayed, not doubled.
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': idempotencyKey,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.ok) return json;
    if ((response.status === 503 || response.status === 429) && attempt < 20) {
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  }
}

/**
 * Users with an organization and an application each. The mix spreads over them, so that what it
 * measures is the services' work, not mostly the 429s of one user's or one organization's limits.
 */
async function fixtures(platform: Started, count: number): Promise<Fixture[]> {
  const info = JSON.parse(readFileSync(stateFile(platform.dataDir), 'utf8')) as InfrastructureInfo;
  const run = Date.now().toString(36);
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const email = `footprint-${run}-${index}@example.test`;
      await createUser(info.cognitoEndpoint, info.pool, email);
      const token = await idToken(info.cognitoEndpoint, info.pool, email);
      const organization = await call(platform.baseUrl, 'POST', '/organizations', token, {
        name: `Footprint ${index}`,
        slug: `footprint-${run}-${index}`,
      });
      const orgId = organization.id as string;
      const application = await call(platform.baseUrl, 'POST', `/organizations/${orgId}/applications`, token, {
        name: 'footprint',
      });
      return {
        token,
        orgId,
        appId: (application.application as { id: string }).id,
        apiKey: application.apiKey as string,
      };
    }),
  );
}

interface MixRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Users the mix spreads over. */
const FIXTURE_USERS = 8;

/** The fixed mix: reads and idempotent writes of every service, through the gateway. */
const MIX: Array<(fixture: Fixture) => MixRequest> = [
  () => ({ method: 'GET', path: '/health' }),
  () => ({ method: 'GET', path: '/me/organizations' }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}` }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/members` }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/invitations` }),
  () => ({ method: 'GET', path: '/me/invitations' }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/applications` }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/applications/${f.appId}` }),
  (f) => ({ method: 'GET', path: '/applications/me', headers: { 'x-api-key': f.apiKey } }),
  () => ({ method: 'GET', path: '/me/notifications' }),
  () => ({ method: 'GET', path: '/me/notifications/unread-count' }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/audit-log` }),
  (f) => ({
    method: 'PATCH',
    path: `/organizations/${f.orgId}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Footprint renamed' }),
  }),
  () => ({ method: 'POST', path: '/me/notifications/read-all' }),
  (f) => ({ method: 'GET', path: `/organizations/${f.orgId}/applications/${f.appId}/secrets` }),
];

interface LoadResult {
  requests: number;
  durationMs: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number };
}

async function load(baseUrl: string, users: Fixture[], amount: number): Promise<LoadResult> {
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url: baseUrl,
    connections,
    amount,
    timeout: 60,
    requests: [
      {
        setupRequest: (request) => {
          const index = next++;
          const user = users[Math.floor(index / MIX.length) % users.length]!;
          const mixed = MIX[index % MIX.length]!(user);
          return {
            ...request,
            method: mixed.method,
            path: mixed.path,
            // An API-key request carries the key alone (two credentials are refused).
            headers: mixed.headers?.['x-api-key']
              ? mixed.headers
              : { authorization: `Bearer ${user.token}`, ...mixed.headers },
            ...(mixed.body ? { body: mixed.body } : {}),
          } as typeof request;
        },
      },
    ],
  });
  const statuses = Object.fromEntries(
    Object.entries((result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats).map(
      ([status, stats]) => [status, stats.count],
    ),
  );
  return {
    requests: result.requests.total,
    durationMs: Math.round(performance.now() - started),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  };
}

async function settledSample(root: number): Promise<TreeSample> {
  await sleep(settleMs);
  return sampleTree(root);
}

interface StopResult {
  exitCode: number | null;
  stopMs: number;
  leftoverProcesses: Array<{ pid: number; command: string }>;
  busyPorts: number[];
}

/** A process that still runs: not gone, and not a zombie (exited, only waiting to be reaped). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function stop(platform: Started, pids: number[]): Promise<StopResult> {
  const started = performance.now();
  const exitCode = await stopChild(platform.child);
  const stopMs = Math.round(performance.now() - started);
  await sleep(1000);
  // Anything of this platform still alive: a process seen in its tree, or one naming its data dir
  // (an orphan that now hangs off init).
  const leftover = new Map<number, string>();
  for (const pid of pids) {
    if (isRunning(pid)) leftover.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  }
  for (const entry of processesMentioning(platform.dataDir)) leftover.set(entry.pid, entry.command);
  const leftoverProcesses = [...leftover].map(([pid, command]) => ({ pid, command: command.slice(0, 160) }));
  const busy = await busyPorts(platform.portOffset);
  for (const { pid } of leftoverProcesses) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  if (platform.removeDataDir) rmSync(platform.dataDir, { recursive: true, force: true });
  return { exitCode, stopMs, leftoverProcesses, busyPorts: busy };
}

/** Each request of the mix once, in order: what it answers (all 2xx, or the mix measures errors). */
async function probe(baseUrl: string, user: Fixture): Promise<Array<{ request: string; status: number }>> {
  const answers = [];
  for (const template of MIX) {
    const mixed = template(user);
    const headers = mixed.headers?.['x-api-key']
      ? mixed.headers
      : { authorization: `Bearer ${user.token}`, ...mixed.headers };
    const response = await fetch(`${baseUrl}${mixed.path}`, {
      method: mixed.method,
      headers,
      body: mixed.body ?? null,
    });
    await response.arrayBuffer();
    answers.push({
      request: `${mixed.method} ${mixed.path.replace(user.orgId, '{orgId}').replace(user.appId, '{appId}')}`,
      status: response.status,
    });
  }
  return answers;
}

interface Run {
  target: string;
  /** The run's first start of this target (the warm-up), for the record: not the target's measure. */
  firstStart: { timeToHealthMs: number; milestones: Record<string, number> };
  timeToHealthMs: number;
  milestones: Record<string, number>;
  idle: TreeSample;
  setupMs: number;
  probe: Array<{ request: string; status: number }>;
  /** After each batch: the sample, and whether `/health` still answered 200 (every service up). */
  batches: Array<{ afterRequests: number; load: LoadResult; sample: TreeSample; healthy: boolean }>;
  stop: StopResult;
}

/**
 * Waits (at most 3 minutes) for the machine to be quiet, a 1-minute load average under 1: in a full
 * `npm run perf` this follows R7's load, and the time to healthy is a measure of a quiet start.
 */
async function quiet(target: string): Promise<void> {
  const started = performance.now();
  while (loadavg()[0]! >= 1 && performance.now() - started < 180_000) await sleep(5_000);
  const waited = Math.round((performance.now() - started) / 1000);
  if (waited > 0) log(`${target}: waited ${waited} s for a quiet machine`);
}

/** A start and a Ctrl-C, nothing measured but the time to healthy and its steps. */
async function startAndStop(target: string): Promise<Run['firstStart']> {
  const platform =
    target === 'npm-start' ? await startNpmStart(Number(values['port-offset'])) : await startTestPlatform();
  const pids = processTree(platform.child.pid!).map((process) => process.pid);
  await stop(platform, pids);
  return { timeToHealthMs: platform.timeToHealthMs, milestones: platform.milestones };
}

async function measure(target: string): Promise<Run> {
  // The target's time to healthy is a warm build's. A fresh clone's first start measured slower (24.0 s
  // and 27.6 s, against 17.8 s and 20.7 s for the start after it), so each target is started and
  // stopped once first; that start's time and steps are reported beside the measured one's.
  await quiet(target);
  const firstStart = await startAndStop(target);
  log(`${target}: first start healthy after ${firstStart.timeToHealthMs} ms (warm-up, stopped)`);
  await quiet(target);
  log(
    `${target}: starting (load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')})`,
  );
  const platform =
    target === 'npm-start' ? await startNpmStart(Number(values['port-offset'])) : await startTestPlatform();
  const root = platform.child.pid!;
  const seen = new Set<number>();
  const remember = (sample: TreeSample) => {
    for (const process of sample.processes) seen.add(process.pid);
    return sample;
  };
  try {
    log(`${target}: healthy after ${platform.timeToHealthMs} ms; settling ${settleMs / 1000} s`);
    const idle = remember(await settledSample(root));
    log(`${target}: idle ${idle.totalMiB} MiB ${JSON.stringify(idle.byKind)}`);
    const setupStarted = performance.now();
    const users = await fixtures(platform, FIXTURE_USERS);
    const setupMs = Math.round(performance.now() - setupStarted);
    const probed = await probe(platform.baseUrl, users[0]!);
    log(`${target}: the mix answers ${JSON.stringify(probed)}`);
    const batches: Run['batches'] = [];
    const half = Math.round(totalRequests / 2);
    for (const amount of [half, totalRequests - half]) {
      const result = await load(platform.baseUrl, users, amount);
      const done = (batches.at(-1)?.afterRequests ?? 0) + result.requests;
      const sample = remember(await settledSample(root));
      batches.push({ afterRequests: done, load: result, sample, healthy: await healthy(platform.baseUrl) });
      log(
        `${target}: after ${done} requests ${sample.totalMiB} MiB ${JSON.stringify(sample.byKind)} ${JSON.stringify(result.statuses)}`,
      );
    }
    for (const process of processTree(root)) seen.add(process.pid);
    const stopped = await stop(platform, [...seen]);
    log(`${target}: stopped (${JSON.stringify(stopped)})`);
    return {
      target,
      firstStart,
      timeToHealthMs: platform.timeToHealthMs,
      milestones: platform.milestones,
      idle,
      setupMs,
      probe: probed,
      batches,
      stop: stopped,
    };
  } catch (error) {
    for (const process of processTree(root)) seen.add(process.pid);
    await stop(platform, [...seen]);
    throw error;
  }
}

function verdicts(run: Run) {
  const [first, second] = run.batches;
  const after = second?.sample.totalMiB ?? Number.NaN;
  const growth = after - (first?.sample.totalMiB ?? Number.NaN);
  return {
    idle: run.idle.totalMiB <= TARGETS.idleMiB,
    afterRequests: after <= TARGETS.afterRequestsMiB,
    noGrowth: growth <= TARGETS.growthToleranceMiB,
    timeToHealth: run.timeToHealthMs <= TARGETS.timeToHealthMs,
    cleanStop: run.stop.exitCode === 0 && run.stop.leftoverProcesses.length === 0 && run.stop.busyPorts.length === 0,
    // A platform whose services died would look small: every figure counts only if it stayed up.
    stayedHealthy: run.batches.every((batch) => batch.healthy),
    mixAnswered2xx: run.probe.every((answer) => answer.status >= 200 && answer.status < 300),
    growthMiB: Math.round(growth * 10) / 10,
  };
}

interface Report {
  at: string;
  commit: string;
  file: string;
  machine: { cpus: number; totalMemGiB: number; loadAverageAtStart: string };
  runs: Run[];
}

/** A start's steps, in seconds from its command. */
function steps(milestones: Record<string, number>, timeToHealthMs: number): string {
  return [...Object.entries(milestones), ['healthy', timeToHealthMs] as const]
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}`)
    .join(', ');
}

function markdown(report: Report): string {
  const yes = (ok: boolean) => (ok ? 'yes' : '**NO**');
  const rows = report.runs.map((run) => {
    const verdict = verdicts(run);
    const [first, second] = run.batches;
    return `| ${run.target} | ${run.idle.totalMiB} (${yes(verdict.idle)}) | ${first?.afterRequests ?? '–'}: ${first?.sample.totalMiB ?? '–'} | ${second?.afterRequests ?? '–'}: ${second?.sample.totalMiB ?? '–'} (${yes(verdict.afterRequests)}) | ${verdict.growthMiB} (${yes(verdict.noGrowth)}) | ${(run.timeToHealthMs / 1000).toFixed(1)} (${yes(verdict.timeToHealth)}) | ${yes(verdict.stayedHealthy)} | ${yes(verdict.cleanStop)} |`;
  });
  const breakdown = report.runs.map((run) => {
    const last = run.batches.at(-1)?.sample;
    const kinds = Object.keys({ ...run.idle.byKind, ...last?.byKind }).sort();
    const statuses = run.batches.map((batch) => JSON.stringify(batch.load.statuses)).join(', ');
    return [
      `${run.target}, MiB by process kind (idle → after ${last ? run.batches.at(-1)!.afterRequests : 0} requests): ${kinds
        .map((kind) => `${kind} ${run.idle.byKind[kind] ?? 0} → ${last?.byKind[kind] ?? 0}`)
        .join('; ')}.`,
      `Answers by status per batch: ${statuses}.`,
      `Start (s from the command): ${steps(run.milestones, run.timeToHealthMs)}; the run's first start, its warm-up: ${steps(run.firstStart.milestones, run.firstStart.timeToHealthMs)}.`,
    ].join(' ');
  });
  return `<!-- R8 footprint: start (written by perf/src/footprint.ts) -->
## R8 footprint

Resident memory (RSS, MiB) of the whole process tree of one platform, measured by
\`npm run perf\` on ${report.at} (commit ${report.commit}; ${report.machine.cpus} cores,
${report.machine.totalMemGiB} GiB, load average ${report.machine.loadAverageAtStart} at the start). Targets: idle ≤ ${TARGETS.idleMiB} MiB, after 10,000
mixed requests ≤ ${TARGETS.afterRequestsMiB} MiB with no growth between 5,000 and 10,000 (tolerance
${TARGETS.growthToleranceMiB} MiB), time to \`/health\` on a warm build ≤ ${TARGETS.timeToHealthMs / 1000} s (from the
\`npm start\` command, its build included; each platform is started and stopped once before the
measured start), Ctrl-C leaves no process and no port.

| platform | idle | requests: MiB | requests: MiB | growth | time to /health (s) | healthy throughout | clean Ctrl-C |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${breakdown.join('\n\n')}

The mix, sent round-robin over ${FIXTURE_USERS} users (each with an organization and an application),
${connections} connections, through the gateway; each request's answer when sent once before the load
(${report.runs[0]?.target ?? '–'}): ${(report.runs[0]?.probe ?? []).map((answer) => `\`${answer.request}\` ${answer.status}`).join(', ')}.

Raw samples: \`perf/results/${report.file}\`.
<!-- R8 footprint: end -->`;
}

function writeLatest(section: string): void {
  const latest = join(resultsDir, 'latest.md');
  const current = existsSync(latest)
    ? readFileSync(latest, 'utf8')
    : '# Latest perf results\n\nEach section is rewritten by the benchmark that owns it.\n';
  const pattern = /<!-- R8 footprint: start[\s\S]*?<!-- R8 footprint: end -->/;
  const next = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(latest, next);
}

const loadAverageAtStart = loadavg()
  .map((value) => value.toFixed(1))
  .join(' ');
const runs: Run[] = [];
for (const target of targets) runs.push(await measure(target));
const at = new Date().toISOString();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
const file = `footprint-${at.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`;
const report: Report & { targets: typeof TARGETS } = {
  at,
  commit,
  file,
  machine: { cpus: cpus().length, totalMemGiB: Math.round(totalmem() / 2 ** 30), loadAverageAtStart },
  targets: TARGETS,
  runs: runs.map((run) => ({ ...run, verdicts: verdicts(run) })),
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, file), `${JSON.stringify(report, null, 2)}\n`);
writeLatest(markdown(report));
const shown = shownDir(resultsDir);
log(`wrote ${shown}/${file} and the "R8 footprint" section of ${shown}/latest.md; logs in ${logDir}`);
for (const run of runs) log(`${run.target}: ${JSON.stringify(verdicts(run))}`);
process.exit(0);
