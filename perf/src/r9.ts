// Figure R9 in perf/README.md, "what a request costs": for a set of routes covering every service and
// every kind of route, what one request consumes — DynamoDB read and write request units (as
// DynamoDB Local reports them with ReturnConsumedCapacity INDEXES, seen through a recording proxy;
// transactions sized by DynamoDB's rule), KMS calls, and one Lambda invocation of the function's
// configured memory for its billed duration — in dollars per million requests (src/cost.ts), beside
// the bench control, one bare GetItem. Each function runs as its deployed bundle in a child process
// (src/cost-child.ts): the services' code is not changed or configured for it.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CostRow, costFindings, costPerMillion, costTables, dollars, loadPrices, usageOf } from './cost';
import type { ChildOptions, ChildRequest, Counted } from './cost-child';
import { bundleEnvironment, bundleFunction, fixture } from './figures';
import {
  type BenchPlatform,
  benchDir,
  distribution,
  type FigureResult,
  log,
  type RunContext,
  repoRoot,
  request,
} from './harness';

interface Target {
  service: string;
  fn: string;
  /** The bundle's entry and export, when not services/<service>/src/functions/<fn>/handler.ts `handler`. */
  entry?: string;
  exportName?: string;
  route: string;
  credential: 'ID token' | 'API key' | 'none';
  request: ChildRequest;
}

/** Memory and architecture of each function, as `sls print` resolves the service's serverless.yml. */
function deployedSettings(service: string, dataDir: string) {
  const dir = join(repoRoot, 'services', service);
  const printed = JSON.parse(
    execFileSync(
      process.execPath,
      [join(dir, 'node_modules', 'osls', 'bin', 'serverless.js'), 'print', '--format', 'json', '--stage', 'local'],
      {
        cwd: dir,
        env: {
          ...process.env,
          TENANTRY_DATA_DIR: dataDir,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).toString(),
  ) as {
    provider: { memorySize?: number; architecture?: string };
    functions: Record<string, { memorySize?: number; architecture?: string }>;
  };
  return (fn: string) => {
    const declared = printed.functions[fn];
    if (!declared) throw new Error(`R9: ${service} declares no function ${fn}`);
    return {
      // Serverless Framework's default is 1024 MB on x86_64 when neither the function nor the provider says.
      memoryMb: declared.memorySize ?? printed.provider.memorySize ?? 1024,
      architecture: (declared.architecture ?? printed.provider.architecture ?? 'x86_64') as CostRow['architecture'],
    };
  };
}

/** Asynchronous: the gateway a child's cleanup calls runs in this process. */
async function runChild(options: ChildOptions, env: Record<string, string>) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(repoRoot, 'perf', 'src', 'cost-child.ts'),
      JSON.stringify(options),
    ],
    { env, maxBuffer: 4 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { counted?: Counted[]; durations?: number[] };
}

const total = (counted: Counted, side: 'read' | 'write') =>
  Object.values(counted.byTable).reduce((sum, used) => sum + used[side], 0);
const kmsCalls = (counted: Counted) => Object.values(counted.kms).reduce((sum, calls) => sum + calls, 0);
/** The same units and calls, whatever the order the tables were first used in. */
const signature = (counted: Counted) =>
  JSON.stringify([
    Object.entries(counted.byTable).sort(([a], [b]) => a.localeCompare(b)),
    Object.entries(counted.kms).sort(),
  ]);

/** The BatchGetItem of several items, in words: `GET /me/organizations` reads the caller's three organizations at once. */
function batchRead(rows: readonly CostRow[], prices: ReturnType<typeof loadPrices>): string {
  const row = rows.find((candidate) => candidate.route.startsWith('`GET /me/organizations`'));
  const read = row?.byTable.organizations?.read;
  if (!row || read === undefined) return '';
  return `The BatchGetItem of several items, the three organizations of ${row.route}, reads ${read} units: ${dollars(read * prices.perMillion.dynamodbReadRequestUnits)} per million, less than the counter's one write.`;
}

export async function r9(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const prices = loadPrices('us-east-1');
  const f = await fixture(platform, 'r9');
  const auth = { authorization: `Bearer ${f.token}` };
  // Two more organizations of the same user: GET /me/organizations reads all three in one BatchGetItem.
  for (const more of [1, 2]) {
    await request(platform.baseUrl, 'POST', '/organizations', auth, {
      name: `Perf r9 ${more}`,
      slug: `perf-r9-${more}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    });
  }
  const app = `/organizations/${f.orgId}/applications/${f.appId}`;
  await request(platform.baseUrl, 'PUT', `${app}/secrets/r9`, auth, { value: 'sk_perf_r9' });
  // One notification in the inbox: DynamoDB Local answers 0 units for a Query that finds nothing.
  await request(platform.baseUrl, 'POST', `/organizations/${f.orgId}/notifications`, auth, {
    title: 'R9',
    body: 'R9',
    audience: { userIds: [f.userId] },
  });
  // The organizations R9 creates belong to a user of their own: GET /me/organizations keeps its three.
  const creator = await platform.newUser('r9-creator');
  const byApiKey = { 'x-api-key': f.apiKey };
  const get = (path: string, pathParameters: Record<string, string>, headers: Record<string, string> = auth) => ({
    method: 'GET',
    path,
    pathParameters,
    headers,
  });
  const orgParams = { orgId: f.orgId };
  const appParams = { orgId: f.orgId, appId: f.appId };
  const targets: Target[] = [
    {
      service: 'perf-bench',
      fn: 'bareGetOrganization',
      entry: join(benchDir, 'src', 'bare.ts'),
      exportName: 'getOrganization',
      route: 'control: bench `GET /bench/organizations/{orgId}` (one GetItem)',
      credential: 'none',
      request: get(`/bench/organizations/${f.orgId}`, orgParams, {}),
    },
    {
      service: 'organizations',
      fn: 'getOrganization',
      route: '`GET /organizations/{orgId}`',
      credential: 'ID token',
      request: get(`/organizations/${f.orgId}`, orgParams),
    },
    {
      service: 'organizations',
      fn: 'createOrganization',
      route: '`POST /organizations`',
      credential: 'ID token',
      request: {
        method: 'POST',
        path: '/organizations',
        headers: { authorization: `Bearer ${creator.token}` },
        body: JSON.stringify({ name: 'Perf R9 {n}', slug: 'perf-r9-{n}' }),
      },
    },
    {
      service: 'memberships',
      fn: 'listMembers',
      route: '`GET /organizations/{orgId}/members`',
      credential: 'ID token',
      request: get(`/organizations/${f.orgId}/members`, orgParams),
    },
    {
      service: 'memberships',
      fn: 'listMyOrganizations',
      route: '`GET /me/organizations` (3 organizations)',
      credential: 'ID token',
      request: get('/me/organizations', {}),
    },
    {
      service: 'applications',
      fn: 'getApplication',
      route: '`GET /organizations/{orgId}/applications/{appId}`',
      credential: 'ID token',
      request: get(app, appParams),
    },
    {
      service: 'applications',
      fn: 'createApplication',
      route: '`POST /organizations/{orgId}/applications`',
      credential: 'ID token',
      request: {
        method: 'POST',
        path: `/organizations/${f.orgId}/applications`,
        pathParameters: orgParams,
        headers: auth,
        body: JSON.stringify({ name: 'perf r9 {n}' }),
        // Unmeasured, so that the plan's limit of applications never refuses a create.
        cleanup: {
          baseUrl: platform.baseUrl,
          method: 'DELETE',
          path: `/organizations/${f.orgId}/applications/{id}`,
          idFrom: 'application.id',
          headers: auth,
        },
      },
    },
    {
      service: 'applications',
      fn: 'getCallingApplication',
      route: '`GET /applications/me`',
      credential: 'API key',
      request: get('/applications/me', {}, byApiKey),
    },
    {
      service: 'applications',
      fn: 'putSecret',
      route: '`PUT …/applications/{appId}/secrets/{name}`',
      credential: 'ID token',
      request: {
        method: 'PUT',
        path: `${app}/secrets/r9`,
        pathParameters: { ...appParams, name: 'r9' },
        headers: auth,
        body: JSON.stringify({ value: 'sk_perf_{n}' }),
      },
    },
    {
      service: 'applications',
      fn: 'getSecret',
      route: '`GET …/applications/{appId}/secrets/{name}`',
      credential: 'ID token',
      request: get(`${app}/secrets/r9`, { ...appParams, name: 'r9' }),
    },
    {
      service: 'notifications',
      fn: 'listMyNotifications',
      route: '`GET /me/notifications`',
      credential: 'ID token',
      request: get('/me/notifications', {}),
    },
    {
      service: 'notifications',
      fn: 'sendOrganizationNotification',
      route: '`POST /organizations/{orgId}/notifications` (to one member)',
      credential: 'API key',
      request: {
        method: 'POST',
        path: `/organizations/${f.orgId}/notifications`,
        pathParameters: orgParams,
        headers: byApiKey,
        body: JSON.stringify({ title: 'R9 {n}', body: 'R9', audience: { userIds: [f.userId] } }),
      },
    },
  ];
  const settings = new Map<string, ReturnType<typeof deployedSettings>>();
  for (const service of new Set(targets.map((target) => target.service))) {
    if (service !== 'perf-bench') settings.set(service, deployedSettings(service, platform.dataDir));
  }
  const counts = ctx.smoke ? { warm: 1, warmup: 2, measured: 3 } : { warm: 3, warmup: 20, measured: 60 };
  const rows: CostRow[] = [];
  const unstable: string[] = [];
  for (const target of targets) {
    const entry =
      target.entry ?? join(repoRoot, 'services', target.service, 'src', 'functions', target.fn, 'handler.ts');
    const bundle = await bundleFunction(target.service, target.fn, entry);
    const env = bundleEnvironment(platform, target.service);
    const base = { bundle: bundle.file, exportName: target.exportName ?? 'handler', request: target.request };
    const { counted = [] } = await runChild({ ...base, mode: 'count', warmup: 0, measured: counts.warm }, env);
    const { durations = [] } = await runChild(
      { ...base, mode: 'time', warmup: counts.warmup, measured: counts.measured },
      env,
    );
    const [first, ...warm] = counted;
    const steady = warm.at(-1) ?? first!;
    if (new Set(warm.map(signature)).size > 1) unstable.push(target.route);
    // The control is compared at the services' memory (the bench service sets none of its own).
    const deployed = settings.get(target.service)?.(target.fn) ?? settings.get('organizations')!('getOrganization');
    rows.push({
      route: target.route,
      credential: target.credential,
      readUnits: total(steady, 'read'),
      writeUnits: total(steady, 'write'),
      byTable: steady.byTable,
      kmsCalls: kmsCalls(steady),
      kmsCallsFirst: kmsCalls(first!),
      ...deployed,
      durationP50Ms: distribution(durations).p50,
    });
    log(
      `R9 ${target.fn}: ${total(steady, 'read')} RRU, ${total(steady, 'write')} WRU, ${kmsCalls(steady)} KMS, p50 ${rows.at(-1)!.durationP50Ms} ms`,
    );
  }
  const floor = (row: CostRow) => costPerMillion(usageOf(row, prices.lambdaMinimumBilledMs), prices);
  const control = rows[0]!;
  const securedGet = rows[1]!;
  const costliest = [...rows].sort((a, b) => floor(b).total - floor(a).total)[0]!;
  return {
    id: 'R9',
    title: 'what a request costs',
    target: 'a measure, no target: units exact (the same in every warm request)',
    measured: `per million at ${prices.lambdaMinimumBilledMs} ms billed: secured GET ${dollars(floor(securedGet).total)} against the bare GetItem's ${dollars(floor(control).total)}; costliest ${costliest.route} ${dollars(floor(costliest).total)}`,
    met: unstable.length === 0,
    series: [],
    details: `What one request of each route consumes, and what a million of them cost in ${prices.region} on-demand
prices (\`perf/prices/aws-${prices.region}.json\`, recorded ${prices.recordedOn}; where from is written there).
Each function's deployed bundle (as R3 builds it) runs in a fresh process (\`src/cost-child.ts\`) and is
invoked in process with API Gateway events against this platform, one request at a time: the first
request (a cold container), then ${counts.warm} warm ones, whose DynamoDB request units and KMS calls must be
equal (they are exact, not sampled)${unstable.length ? `; **not equal** for ${unstable.join(', ')}` : ''}. Units are what DynamoDB Local answers to
\`ReturnConsumedCapacity: INDEXES\` (a recording proxy in the child adds it; the function's code is not
changed), except TransactWriteItems, which DynamoDB Local misreports: sized by DynamoDB's rule (two write
units per KB of each item, the stored item read before and after). KMS calls are counted by a stand-in
of KMS in the child over the local key provider. Duration is the one machine-dependent part: the p50 of
${counts.measured} warm invocations after ${counts.warmup} (a second child, no proxy), on this machine, not on Lambda's
share of a CPU; the bold total uses Lambda's minimum billed duration (${prices.lambdaMinimumBilledMs} ms) instead and does not depend
on the machine. Every request also pays one Lambda request and one HTTP API request.

${costTables(rows, prices)}

Which parts cost most: ${costFindings(rows, prices).join(' ')} ${batchRead(rows, prices)} The first request of a container pays KMS
calls a warm one does not (the data-key cache): the count in brackets. DynamoDB Local answers 0 units
for a Query or a read that finds nothing, where DynamoDB may charge its minimum.
Not counted: the outbox relay and event deliveries a write causes later (a stream-triggered Lambda
invocation and an EventBridge event each, shared by the events of one batch), CloudWatch Logs, data
transfer.`,
    data: { rows, prices: { region: prices.region, recordedOn: prices.recordedOn }, unstable },
  };
}
