// Figures R1–R7 (perf/README.md). Each one measures A against B in one run on this machine, interleaved,
// after warm-up, and reports p50, p90, p99 and the sample count. `ctx.smoke` (the jest smoke test)
// runs the same code with tiny counts: it proves the benchmark runs and writes numbers, nothing more.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { restoreEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { membershipItem } from '../../packages/dynamo/src/index';
import { configureSecurity, resetSecurityConfig, route } from '../../packages/security/src/index';
import { httpEvent, lambdaContext } from '../../packages/security/src/testing';
import { applicationKey } from '../../services/applications/src/data/keys';
import { notificationItem } from '../../services/notifications/src/data/items';
import { expiresAtFor, notificationId } from '../../services/notifications/src/domain/rules';
import {
  type BenchPlatform,
  distribution,
  distributionTable,
  type FigureResult,
  interleave,
  log,
  type RunContext,
  ratio,
  repoRoot,
  request,
  type Series,
  type Variant,
} from './harness';

// esbuild and the AWS SDK as the services have them (the perf package depends on neither itself).
const require_ = createRequire(join(repoRoot, 'services', 'organizations', 'package.json'));

interface BuildResult {
  metafile?: { inputs: Record<string, unknown> };
}
const esbuild = require_('esbuild') as { build(options: Record<string, unknown>): Promise<BuildResult> };

type Command = object;
interface DocumentClient {
  send(command: Command): Promise<Record<string, unknown>>;
  destroy(): void;
}
const sdk = {
  dynamodb: require_('@aws-sdk/client-dynamodb') as { DynamoDBClient: new (config: object) => object },
  lib: require_('@aws-sdk/lib-dynamodb') as {
    DynamoDBDocumentClient: { from(client: object, options: object): DocumentClient };
    GetCommand: new (input: object) => Command;
    PutCommand: new (input: object) => Command;
    BatchWriteCommand: new (input: object) => Command;
  },
};

type ApiEvent = ReturnType<typeof httpEvent>;

const series = (name: string, samples: number[], unit: Series['unit'] = 'ms'): Series => ({
  name,
  unit,
  ...distribution(samples),
});

const counts = (ctx: RunContext) =>
  ctx.smoke ? { rounds: 2, perRound: 5, warmup: 3 } : { rounds: 10, perRound: 40, warmup: 50 };

export interface Fixture {
  token: string;
  userId: string;
  orgId: string;
  appId: string;
  apiKey: string;
}

export async function fixture(platform: BenchPlatform, prefix: string, withApplication = true): Promise<Fixture> {
  const user = await platform.newUser(prefix);
  const auth = { authorization: `Bearer ${user.token}` };
  const organization = await request(platform.baseUrl, 'POST', '/organizations', auth, {
    name: `Perf ${prefix}`,
    slug: `perf-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
  });
  const orgId = organization.body.id as string;
  if (!withApplication) return { token: user.token, userId: user.userId, orgId, appId: '', apiKey: '' };
  // R6 sends notifications with the key: a scope an application must be given (its default is applications:self).
  const application = await request(platform.baseUrl, 'POST', `/organizations/${orgId}/applications`, auth, {
    name: 'perf',
    scopes: ['applications:self', 'notifications:send'],
  });
  return {
    token: user.token,
    userId: user.userId,
    orgId,
    appId: (application.body.application as { id: string }).id,
    apiKey: application.body.apiKey as string,
  };
}

// ---------------------------------------------------------------------------------------------
// R1 authorized read

export async function r1(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const f = await fixture(platform, 'r1');
  const auth = { authorization: `Bearer ${f.token}` };
  const app = `/organizations/${f.orgId}/applications/${f.appId}`;
  const variants: Variant[] = [
    { name: 'A organization (secured)', path: `/organizations/${f.orgId}`, headers: auth },
    { name: 'A organization, rate limits off', path: `/bench/unlimited/organizations/${f.orgId}`, headers: auth },
    { name: 'B organization (bench GetItem)', path: `/bench/organizations/${f.orgId}` },
    { name: 'A application (secured)', path: app, headers: auth },
    { name: 'A application, rate limits off', path: `/bench/unlimited${app}`, headers: auth },
    { name: 'B application (bench GetItem)', path: `/bench${app}` },
  ];
  const sampled = await interleave(platform.baseUrl, variants, counts(ctx));
  const all = variants.map((variant) => series(variant.name, sampled.latencies[variant.name]!));
  const [orgA, orgOff, orgB, appA, appOff, appB] = all as [Series, Series, Series, Series, Series, Series];
  const rows = [
    ['organization', orgA, orgB],
    ['organization, rate limits off', orgOff, orgB],
    ['application', appA, appB],
    ['application, rate limits off', appOff, appB],
  ] as const;
  const ratios = rows.map(([name, a, b]) => ({
    name,
    p50: ratio(a.p50, b.p50),
    p90: ratio(a.p90, b.p90),
    p99: ratio(a.p99, b.p99),
  }));
  const targeted = ratios.filter((row) => !row.name.includes('off'));
  const met = targeted.every((row) => row.p50 <= 1.25 && row.p99 <= 1.5);
  return {
    id: 'R1',
    title: 'authorized read',
    target: '≤ 1.25× p50, ≤ 1.5× p99',
    measured: targeted.map((row) => `${row.name} ${row.p50}× p50, ${row.p99}× p99`).join('; '),
    met,
    series: all,
    details: `GET through the gateway → serverless-offline → the security layer → DynamoDB Local (A), against the
bench-only route of \`perf/bench\` that reads the same item with one GetItem and no security (B), on one
connection, ${counts(ctx).rounds} interleaved rounds of ${counts(ctx).perRound} requests each after ${counts(ctx).warmup} of warm-up.
"Rate limits off": the same handler in the bench process with its counters taken without I/O.

${distributionTable(all)}

| A / B | p50 | p90 | p99 |
|---|---|---|---|
${ratios.map((row) => `| ${row.name} | ${row.p50}× | ${row.p90}× | ${row.p99}× |`).join('\n')}`,
    data: { statuses: sampled.statuses, ratios },
  };
}

// ---------------------------------------------------------------------------------------------
// R2 middleware in process

export async function r2(ctx: RunContext): Promise<FigureResult> {
  const organization = {
    id: 'org_perf',
    name: 'Perf',
    slug: 'perf',
    status: 'ACTIVE' as const,
    plan: 'PRO',
    ownerId: 'user_perf',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  configureSecurity({
    resolvers: {
      user: {
        kind: 'user',
        header: 'authorization',
        resolve: async () => ({
          kind: 'user',
          id: 'user_perf',
          email: 'perf@example.test',
          emailVerified: true,
          groups: [],
        }),
      },
    },
    organizationStore: {
      load: async () => ({
        organization,
        membership: {
          organizationId: 'org_perf',
          userId: 'user_perf',
          role: 'OWNER',
          status: 'ACTIVE',
          joinedAt: organization.createdAt,
          updatedAt: organization.createdAt,
        },
      }),
    },
    rateLimitStore: { increment: async () => 1, decrement: async () => undefined },
    eventOutbox: { record: async () => undefined },
  });
  // A well-formed stage configuration, whatever this process has: the stack checks it at its first request.
  stubStageEnv();
  try {
    const body = { id: organization.id, name: organization.name };
    const secured = route({ operation: 'getOrganization', action: 'organization:read' }, async () => ({ body }));
    const bare = async (_event: ApiEvent) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const event = () =>
      httpEvent({
        path: '/organizations/org_perf',
        pathParameters: { orgId: 'org_perf' },
        token: 'header.payload.signature',
      });
    const iterations = ctx.smoke ? 200 : 20_000;
    const warmup = ctx.smoke ? 50 : 5_000;
    const samples: Record<'A' | 'B', number[]> = { A: [], B: [] };
    for (let index = 0; index < warmup + iterations; index++) {
      // Interleaved, alternating which goes first.
      for (const which of index % 2 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const input = event();
        const context = lambdaContext(input.requestContext.requestId);
        const started = performance.now();
        const result = which === 'A' ? await secured(input, context) : await bare(input);
        const elapsed = performance.now() - started;
        if (result.statusCode !== 200) throw new Error(`R2 ${which} answered ${result.statusCode}: ${result.body}`);
        if (index >= warmup) samples[which].push(elapsed);
      }
    }
    const a = series('A route() stack, I/O stubbed', samples.A);
    const b = series('B bare handler', samples.B);
    const added = Math.round((a.p50 - b.p50) * 1000) / 1000;
    return {
      id: 'R2',
      title: 'middleware in process',
      target: '≤ 0.3 ms added at p50',
      measured: `${added} ms added at p50 (${Math.round((a.p99 - b.p99) * 1000) / 1000} ms at p99)`,
      met: added <= 0.3,
      series: [a, b],
      details: `The whole \`route()\` stack of @tenantry/security (timeout guard, response mapping, authentication,
rate limits, layer 2 and 3, validation, idempotency wiring) with every I/O stubbed in process — a resolver
that returns the principal, an organization store, a counter store and an event publisher that answer at
once — against a bare handler returning the same body; ${iterations} calls each, interleaved, after ${warmup} of
warm-up (performance.now() per call; tinybench and mitata are not installed, see perf/README.md).

${distributionTable([a, b])}`,
      data: { addedP50Ms: added },
    };
  } finally {
    resetSecurityConfig();
    restoreEnv();
  }
}

// ---------------------------------------------------------------------------------------------
// R3 cold start

/** The deployed bundling options (custom.esbuild of services/serverless.shared.yml). */
const BUILD: Record<string, unknown> = {
  bundle: true,
  minify: true,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'silent',
  // As in custom.esbuild.plugins: each function keeps only its own operation's request validators.
  plugins: createRequire(join(repoRoot, 'packages', 'models', 'package.json'))('./esbuild-plugin.cjs') as unknown[],
};

interface FunctionBundle {
  service: string;
  fn: string;
  file: string;
  bytes: number;
  /** The AWS SDK client packages in the bundle, and the folder each was bundled from. */
  clients: Record<string, string>;
}

/** Every function of every service: services/<service>/src/functions/<fn>/handler.ts. */
export function functionsOf(): Array<{ service: string; fn: string; entry: string }> {
  const servicesDir = join(repoRoot, 'services');
  return readdirSync(servicesDir)
    .filter((service) => statSync(join(servicesDir, service)).isDirectory())
    .flatMap((service) => {
      const dir = join(servicesDir, service, 'src', 'functions');
      try {
        return readdirSync(dir).map((fn) => ({ service, fn, entry: join(dir, fn, 'handler.ts') }));
      } catch {
        return [];
      }
    });
}

const clientClass = (pkg: string) =>
  ({
    '@aws-sdk/client-dynamodb': 'DynamoDBClient',
    '@aws-sdk/lib-dynamodb': 'DynamoDBDocumentClient',
    '@aws-sdk/client-eventbridge': 'EventBridgeClient',
    '@aws-sdk/client-kms': 'KMSClient',
    '@aws-sdk/client-lambda': 'LambdaClient',
    '@aws-sdk/client-cognito-identity-provider': 'CognitoIdentityProviderClient',
  })[pkg];

export const bundleDir = join(repoRoot, 'perf', '.esbuild-perf');

/** One function bundled alone, as `sls package` bundles it (package.individually). */
export async function bundleFunction(service: string, fn: string, entry: string): Promise<FunctionBundle> {
  const outfile = join(bundleDir, service, fn, 'handler.mjs');
  const result = await esbuild.build({ ...BUILD, entryPoints: [entry], outfile, absWorkingDir: repoRoot });
  const clients: Record<string, string> = {};
  for (const input of Object.keys(result.metafile!.inputs)) {
    const match = /^(.*node_modules\/(@aws-sdk\/(?:client-[a-z-]+|lib-dynamodb)))\//.exec(input);
    if (match && clientClass(match[2]!)) clients[match[2]!] = join(repoRoot, match[1]!);
  }
  return { service, fn, file: outfile, bytes: statSync(outfile).size, clients };
}

/** A bare handler bundled with the same AWS SDK clients. */
async function bareBundle(clients: Record<string, string>): Promise<{ file: string; bytes: number }> {
  const names = Object.keys(clients).sort();
  const name = names.length ? names.map((client) => client.split('/')[1]).join('+') : 'none';
  const outfile = join(bundleDir, 'bare', `${name}.mjs`);
  const dynamodb = clients['@aws-sdk/client-dynamodb'];
  const contents = [
    ...names.map(
      (client, index) => `import { ${clientClass(client)} as C${index} } from ${JSON.stringify(clients[client])};`,
    ),
    ...(dynamodb ? [`import { DynamoDBClient as Base } from ${JSON.stringify(dynamodb)};`] : []),
    // Referenced, not constructed: the services construct their clients on first use (runtime.ts), so
    // module initialisation compares like with like.
    `const clients = [${names.map((_, index) => `C${index}`).join(', ')}${dynamodb ? ', Base' : ''}];`,
    'export const handler = async () => ({ statusCode: 200, body: String(clients.length) });',
  ].join('\n');
  await esbuild.build({
    ...BUILD,
    stdin: { contents, resolveDir: repoRoot, sourcefile: 'bare.mjs', loader: 'js' },
    outfile,
  });
  return { file: outfile, bytes: statSync(outfile).size };
}

/** ms to import a bundle in a fresh Node process (its module initialisation, top-level code included). */
function initMs(file: string): number {
  const script =
    'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t)); process.exit(0);';
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return Number(output.toString());
}

/** How far from 1× the control may be for a run of R3 to give a verdict. */
export const CONTROL_TOLERANCE = 0.05;

/**
 * R3's verdict from its per-function medians: every function's init ≤ 1.25× and bundle ≤ 2× its bare
 * handler's, in a run whose control (the bare handler against its own copy) is within ±5% of 1×. A
 * noisier control means the run measured the machine, not the bundles: no verdict, so not met.
 */
export function r3Verdict(
  rows: ReadonlyArray<{ bytes: number; bareBytes: number; init: { p50: number }; bareInit: { p50: number } }>,
  controlRatio: number | undefined,
): { worstInit: number; worstBytes: number; quiet: boolean; met: boolean } {
  const worstInit = Math.max(...rows.map((row) => ratio(row.init.p50, row.bareInit.p50)));
  const worstBytes = Math.max(...rows.map((row) => ratio(row.bytes, row.bareBytes)));
  // Ratios carry two decimals: 1.05 is within ±5% (in floating point, 1.05 - 1 is a hair above 0.05).
  const quiet = controlRatio === undefined || ratio(Math.abs(controlRatio - 1), 1) <= CONTROL_TOLERANCE;
  return { worstInit, worstBytes, quiet, met: quiet && worstInit <= 1.25 && worstBytes <= 2 };
}

export async function r3(ctx: RunContext): Promise<FigureResult> {
  mkdirSync(bundleDir, { recursive: true });
  const all = functionsOf();
  const chosen = ctx.smoke ? all.filter((f) => f.service === 'organizations' && f.fn === 'getOrganization') : all;
  const processes = ctx.smoke ? 2 : 20;
  const bareCache = new Map<string, { file: string; bytes: number }>();
  const pairs: Array<{ fn: string; file: string; bytes: number; key: string; bare: { file: string; bytes: number } }> =
    [];
  for (const { service, fn, entry } of chosen) {
    const bundle = await bundleFunction(service, fn, entry);
    const key = Object.keys(bundle.clients).sort().join(',');
    if (!bareCache.has(key)) bareCache.set(key, await bareBundle(bundle.clients));
    pairs.push({ fn: `${service}/${fn}`, file: bundle.file, bytes: bundle.bytes, key, bare: bareCache.get(key)! });
  }
  // The control: the bare handler against a byte-identical copy of itself, measured like every
  // function. Its ratio is the run's noise floor (1× on a quiet machine).
  const [controlBare] = [...bareCache.values()];
  const control = controlBare && {
    fn: 'control',
    file: controlBare.file.replace(/\.mjs$/, '.control.mjs'),
    bytes: controlBare.bytes,
    key: '',
    bare: controlBare,
  };
  if (control) copyFileSync(controlBare.file, control.file);
  const measured = control ? [...pairs, control] : pairs;
  // Round robin: each round imports every function once, each followed at once by its bare handler.
  // A function's 20 samples thus spread over the whole run, like its bare handler's: a burst of the
  // machine (minutes long on a shared VM) lands on every function alike instead of on the few
  // measured during it, and within a pair on A and B alike.
  const samples = measured.map(() => ({ a: [] as number[], b: [] as number[] }));
  for (let round = 0; round < processes; round++) {
    measured.forEach((pair, index) => {
      samples[index]!.a.push(initMs(pair.file));
      samples[index]!.b.push(initMs(pair.bare.file));
    });
    log(`R3 round ${round + 1} of ${processes}`);
  }
  const rows = pairs.map((pair, index) => ({
    fn: pair.fn,
    bytes: pair.bytes,
    bareBytes: pair.bare.bytes,
    key: pair.key,
    init: series(pair.fn, samples[index]!.a),
    bareInit: series(`bare (${pair.key || 'no client'})`, samples[index]!.b),
  }));
  for (const row of rows) {
    log(
      `R3 ${row.fn}: ${row.bytes} B (bare ${row.bareBytes} B), init p50 ${row.init.p50} ms (bare ${row.bareInit.p50} ms)`,
    );
  }
  let controlResult: { a: Series; b: Series; ratio: number } | undefined;
  if (control) {
    const { a, b } = samples.at(-1)!;
    const [original, itsCopy] = [series('bare', a), series('bare (copy)', b)];
    controlResult = { a: original, b: itsCopy, ratio: ratio(original.p50, itsCopy.p50) };
    log(`R3 control: bare ${controlResult.a.p50} ms, its copy ${controlResult.b.p50} ms (${controlResult.ratio}×)`);
  }
  const { worstInit, worstBytes, quiet, met } = r3Verdict(rows, controlResult?.ratio);
  const bigInit = [...rows].sort((x, y) => y.init.p50 - x.init.p50)[0];
  return {
    id: 'R3',
    title: 'cold start',
    target: 'init ≤ 1.25× bare; bundle ≤ 2× bare',
    measured: `worst init ${worstInit}× (median of ${processes}), worst bundle ${worstBytes}× over ${rows.length} functions${controlResult ? `; control (bare against itself) ${controlResult.ratio}×${quiet ? '' : ', outside ±5%: a noisy run, no verdict'}` : ''}`,
    met,
    // The chart shows the slowest function's init against its bare handler.
    series: bigInit
      ? [
          { ...bigInit.init, name: `A init ${bigInit.fn}` },
          { ...bigInit.bareInit, name: `B init ${bigInit.bareInit.name}` },
        ]
      : [],
    details: `Each function bundled alone with the deployed options (\`custom.esbuild\` of services/serverless.shared.yml:
minified ESM for node22, the bundle file alone, without its source map), against a bare handler bundled
the same way with the same AWS SDK clients (found in the function's esbuild metafile; imported, not
constructed, as the services construct theirs on first use). Module initialisation: a fresh \`node\` importing the bundle, ${processes} processes
per function and as many of its bare handler: ${processes} rounds, each importing every function once, each at once followed by
its bare handler (so a function's samples, and its bare handler's, spread over the whole run); the median is p50.
Control, measured the same way: the bare handler against a byte-identical copy of itself${controlResult ? `, ${controlResult.a.p50} ms against ${controlResult.b.p50} ms: **${controlResult.ratio}×**` : ''} (the run's noise floor).
A run whose control is off by more than ±5% gives no verdict (not met): it measured the machine.

| function | bundle (B) | bare (B) | × | init p50 (ms) | bare p50 (ms) | × | init p90 | init p99 | n |
|---|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (row) =>
      `| ${row.fn} | ${row.bytes} | ${row.bareBytes} | ${ratio(row.bytes, row.bareBytes)} | ${row.init.p50} | ${row.bareInit.p50} | ${ratio(row.init.p50, row.bareInit.p50)} | ${row.init.p90} | ${row.init.p99} | ${row.init.n} |`,
  )
  .join('\n')}`,
    // Every sample, in the order taken (round by round), for whoever wants another statistic.
    data: {
      rows,
      control: controlResult,
      samples: measured.map((pair, index) => ({ fn: pair.fn, ...samples[index]! })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// R4 limited create

export async function r4(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const f = await fixture(platform, 'r4');
  const auth = { authorization: `Bearer ${f.token}` };
  const client = documentClientFor(platform);
  const { Item } = (await client.send(
    new sdk.lib.GetCommand({ TableName: platform.info.env.APPLICATIONS_TABLE, Key: applicationKey(f.orgId, f.appId) }),
  )) as { Item?: Record<string, unknown> };
  const dataLayer = await applicationsDataLayer(platform, f, client);
  // The plan's limit (STARTER: 3 applications) is taken by each create: each measured create is
  // followed by an unmeasured delete, so that every create is one the plan allows.
  const deleteCreated = async (json: Record<string, unknown>) =>
    request(
      platform.baseUrl,
      'DELETE',
      `/organizations/${f.orgId}/applications/${(json.application as { id: string }).id}`,
      auth,
    );
  const overHttp = async (path: string, body: unknown, headers: Record<string, string>) => {
    const started = performance.now();
    const response = await fetch(`${platform.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 201) throw new Error(`R4 POST ${path}: ${response.status} ${text}`);
    return { elapsed, json: JSON.parse(text) as Record<string, unknown> };
  };
  const timed = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    const result = await run();
    return { elapsed: performance.now() - started, result };
  };
  // A and B decide the figure; the others say where A's time goes (same rounds, same machine state).
  const variants: Array<{ name: string; sample: (index: number) => Promise<number> }> = [
    {
      name: 'A create application (plan-limited)',
      sample: async (index) => {
        const { elapsed, json } = await overHttp(
          `/organizations/${f.orgId}/applications`,
          { name: `perf ${index}` },
          auth,
        );
        await deleteCreated(json);
        return elapsed;
      },
    },
    {
      name: 'B bench conditional PutItem',
      sample: async () => (await overHttp(`/bench/organizations/${f.orgId}/applications`, Item, {})).elapsed,
    },
    {
      name: 'A, rate limits off',
      sample: async (index) => {
        const path = `/bench/unlimited/organizations/${f.orgId}/applications`;
        const { elapsed, json } = await overHttp(path, { name: `perf ${index}` }, auth);
        await deleteCreated(json);
        return elapsed;
      },
    },
    {
      name: 'data layer: the create (no HTTP, no security)',
      sample: async (index) => {
        const { elapsed, result } = await timed(() => dataLayer.create(`perf ${index}`));
        await deleteCreated(result as Record<string, unknown>);
        return elapsed;
      },
    },
    {
      name: 'data layer: the conditional PutItem',
      sample: async () => (await timed(() => dataLayer.put(Item ?? {}))).elapsed,
    },
  ];
  const n = ctx.smoke ? 4 : 300;
  const warmup = ctx.smoke ? 1 : 30;
  const samples = variants.map(() => [] as number[]);
  for (let index = 0; index < warmup + n; index++) {
    // Each round starts with the next variant, so that none always follows the same one.
    for (let offset = 0; offset < variants.length; offset++) {
      const which = (index + offset) % variants.length;
      const elapsed = await variants[which]!.sample(index);
      if (index >= warmup) samples[which]!.push(elapsed);
    }
  }
  client.destroy();
  const [sa, sb, unlimited, dataCreate, dataPut] = variants.map((variant, index) =>
    series(variant.name, samples[index]!),
  ) as [Series, Series, Series, Series, Series];
  const p50 = ratio(sa.p50, sb.p50);
  return {
    id: 'R4',
    title: 'limited create',
    target: '≤ 2×',
    measured: `${p50}× p50, ${ratio(sa.p99, sb.p99)}× p99`,
    met: p50 <= 2,
    series: [sa, sb],
    details: `\`POST /organizations/{orgId}/applications\` (STARTER plan: the slot taken in the same transaction as the
application, its API key hashed, the created event) against the bench route's one conditional PutItem
(\`attribute_not_exists(pk)\`) of the same application item, both through the gateway, one request at a
time (fetch); ${n} each after ${warmup} of warm-up. Each create is followed by an unmeasured delete, so
the plan's limit never refuses one. Three more series, in the same rounds (each round starts with the
next of the five), say where A's time goes and decide nothing: the same handler in the bench process
with its rate-limit counters taken without I/O ("rate limits off", as in R1), and, with no HTTP and no
security layer, the service's own \`createApplication\` use case on its DynamoDB repository (one
TransactWriteItems of the plan slot, the application, its key item and the outbox item) against one
conditional PutItem of the same item, both from this process.

${distributionTable([sa, sb, unlimited, dataCreate, dataPut])}

| ratio | p50 | p90 | p99 |
|---|---|---|---|
| A / B (the figure) | ${ratio(sa.p50, sb.p50)}× | ${ratio(sa.p90, sb.p90)}× | ${ratio(sa.p99, sb.p99)}× |
| A with rate limits off / B | ${ratio(unlimited.p50, sb.p50)}× | ${ratio(unlimited.p90, sb.p90)}× | ${ratio(unlimited.p99, sb.p99)}× |
| data layer: create / PutItem | ${ratio(dataCreate.p50, dataPut.p50)}× | ${ratio(dataCreate.p90, dataPut.p90)}× | ${ratio(dataCreate.p99, dataPut.p99)}× |`,
    data: {
      ratios: {
        rateLimitsOff: ratio(unlimited.p50, sb.p50),
        dataLayer: ratio(dataCreate.p50, dataPut.p50),
      },
      series: [unlimited, dataCreate, dataPut],
    },
  };
}

/**
 * The applications service's own create use case and a bare conditional PutItem, called from this
 * process against the platform's DynamoDB Local: R4's plan-limited transaction without HTTP or the
 * security layer. The context is the one layer 2 would build for the fixture's OWNER.
 */
async function applicationsDataLayer(platform: BenchPlatform, f: Fixture, client: DocumentClient) {
  // The service code reads its endpoint, credentials and tables from the environment, as deployed
  // (a test process of the test platform has them already, for the same platform).
  const environment: Record<string, string | undefined> = {
    DYNAMODB_ENDPOINT: platform.info.dynamodbEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: platform.info.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: platform.info.env.AWS_SECRET_ACCESS_KEY,
    ORGANIZATIONS_TABLE: platform.info.env.ORGANIZATIONS_TABLE,
    APPLICATIONS_TABLE: platform.info.env.APPLICATIONS_TABLE,
  };
  for (const [name, value] of Object.entries(environment)) process.env[name] ??= value;
  const { createApplication } = await import('../../services/applications/src/domain/applications');
  const { dependencies } = await import('../../services/applications/src/runtime');
  const context = {
    scope: 'organization',
    organizationId: f.orgId,
    organization: { id: f.orgId, status: 'ACTIVE', plan: 'STARTER' },
    principal: { kind: 'user', id: f.userId },
    membership: undefined,
    role: 'OWNER',
    access: 'member',
  } as unknown as Parameters<typeof createApplication>[1];
  return {
    create: (name: string) => createApplication(dependencies(), context, { name }),
    put: async (item: Record<string, unknown>) => {
      const id = `app_bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
      await client.send(
        new sdk.lib.PutCommand({
          TableName: platform.info.env.APPLICATIONS_TABLE,
          Item: { ...item, ...applicationKey(f.orgId, id), id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
  };
}

/** The SDK the services use, aimed at this platform's DynamoDB Local. */
function documentClientFor(platform: BenchPlatform): DocumentClient {
  return sdk.lib.DynamoDBDocumentClient.from(
    new sdk.dynamodb.DynamoDBClient({
      endpoint: platform.info.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: platform.info.env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: platform.info.env.AWS_SECRET_ACCESS_KEY!,
      },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

// ---------------------------------------------------------------------------------------------
// R5 scale

async function batchWrite(client: DocumentClient, table: string, items: Array<Record<string, unknown>>) {
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
  let next = 0;
  // A few writers at once: DynamoDB Local takes them one by one anyway.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < chunks.length) {
        let pending: Array<Record<string, unknown>> = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending.length > 0 && attempt < 10; attempt++) {
          const result = (await client.send(new sdk.lib.BatchWriteCommand({ RequestItems: { [table]: pending } }))) as {
            UnprocessedItems?: Record<string, unknown[]>;
          };
          pending = (result.UnprocessedItems?.[table] ?? []) as Array<Record<string, unknown>>;
        }
        if (pending.length > 0) throw new Error(`seeding ${table}: items left unprocessed`);
      }
    }),
  );
}

export async function r5(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const sizes = ctx.smoke ? [10, 20, 40] : [100, 1_000, 10_000];
  const client = documentClientFor(platform);
  const env = platform.info.env;
  const variants: Variant[] = [];
  const seedStarted = performance.now();
  for (const size of sizes) {
    const f = await fixture(platform, `r5-${size}`, false);
    const now = Date.now();
    const at = new Date(now).toISOString();
    // Members: the OWNER (created with the organization) and size − 1 more.
    await batchWrite(
      client,
      env.MEMBERSHIPS_TABLE!,
      Array.from({ length: size - 1 }, (_, index) =>
        membershipItem({
          organizationId: f.orgId,
          userId: `perf-member-${size}-${index}`,
          email: `member-${index}@example.test`,
          role: 'VIEWER',
          status: 'ACTIVE',
          joinedAt: at,
          updatedAt: at,
        }),
      ),
    );
    // Notifications: size of them in the user's inbox (one more each millisecond, all live).
    await batchWrite(
      client,
      env.NOTIFICATIONS_TABLE!,
      Array.from({ length: size }, (_, index) => {
        const createdAtMs = now - size + index;
        return notificationItem({
          id: notificationId(createdAtMs, `perf-${size}-${index}`),
          address: { kind: 'user', userId: f.userId },
          organizationId: f.orgId,
          type: 'organization.message',
          title: `Perf ${index}`,
          body: 'A notification seeded by the perf harness.',
          data: {},
          read: index % 2 === 0,
          createdAt: new Date(createdAtMs).toISOString(),
          expiresAt: expiresAtFor(createdAtMs),
        }) as unknown as Record<string, unknown>;
      }),
    );
    const auth = { authorization: `Bearer ${f.token}` };
    variants.push(
      { name: `members, ${size}`, path: `/organizations/${f.orgId}/members`, headers: auth },
      { name: `notifications, ${size}`, path: '/me/notifications', headers: auth },
    );
  }
  client.destroy();
  const seedMs = Math.round(performance.now() - seedStarted);
  const sampled = await interleave(platform.baseUrl, variants, counts(ctx));
  const all = variants.map((variant) => series(variant.name, sampled.latencies[variant.name]!));
  const [small, , large] = sizes;
  const ratios = ['members', 'notifications'].map((kind) => {
    const a = all.find((s) => s.name === `${kind}, ${large}`)!;
    const b = all.find((s) => s.name === `${kind}, ${small}`)!;
    return { kind, p50: ratio(a.p50, b.p50), p90: ratio(a.p90, b.p90), p99: ratio(a.p99, b.p99) };
  });
  return {
    id: 'R5',
    title: 'scale',
    target: `${large} items ≤ 1.2× the ${small} case`,
    measured: ratios.map((row) => `${row.kind} ${row.p50}× p50`).join(', '),
    met: ratios.every((row) => row.p50 <= 1.2),
    series: all,
    details: `The first page (default limit) of \`GET /organizations/{orgId}/members\` and of \`GET /me/notifications\`, for an
organization with ${sizes.join(', ')} ACTIVE members and a user with as many notifications (half unread), seeded
straight into DynamoDB Local with the services' own item builders (BatchWriteItem, ${seedMs} ms), read
through the gateway on one connection, interleaved as in R1.

${distributionTable(all)}

| ${large} / ${small} | p50 | p90 | p99 |
|---|---|---|---|
${ratios.map((row) => `| ${row.kind} | ${row.p50}× | ${row.p90}× | ${row.p99}× |`).join('\n')}`,
    data: { seedMs, statuses: sampled.statuses },
  };
}

// ---------------------------------------------------------------------------------------------
// R6 key verification

export async function r6(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const f = await fixture(platform, 'r6');
  let sent = 0;
  const body = () => JSON.stringify({ title: `Perf ${sent++}`, body: 'R6', audience: { userIds: [f.userId] } });
  const path = `/organizations/${f.orgId}/notifications`;
  const variants: Variant[] = [
    { name: 'A API key', method: 'POST', path, headers: { 'x-api-key': f.apiKey }, body },
    { name: 'B ID token', method: 'POST', path, headers: { authorization: `Bearer ${f.token}` }, body },
  ];
  const sampled = await interleave(platform.baseUrl, variants, counts(ctx));
  const [a, b] = variants.map((variant) => series(variant.name, sampled.latencies[variant.name]!)) as [Series, Series];
  const p50 = ratio(a.p50, b.p50);
  return {
    id: 'R6',
    title: 'key verification',
    target: '≤ 1.25×',
    measured: `${p50}× p50, ${ratio(a.p99, b.p99)}× p99`,
    met: p50 <= 1.25,
    series: [a, b],
    details: `The one route that takes both credentials, \`POST /organizations/{orgId}/notifications\` (to one member),
with the organization's API key (its SHA-256 looked up in the applications table) against the OWNER's ID
token (RS256 against the cached JWKS), interleaved as in R1.

${distributionTable([a, b])}`,
    data: { statuses: sampled.statuses },
  };
}

// ---------------------------------------------------------------------------------------------
// R7 memory

/**
 * The environment a service's function has locally, for its bundle run in a child process of the
 * harness (R7, R9): the platform's, its service's own tables and name, and rate limits so high that
 * the limiter takes its counters (their writes still happen) but never refuses.
 */
export function bundleEnvironment(platform: BenchPlatform, service: string): Record<string, string> {
  return {
    ...platform.info.env,
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    IDEMPOTENCY_TABLE: `tenantry-${service}-local-idempotency`,
    SERVICE_NAME: `tenantry-${service}`,
    RATE_LIMIT_SCALE: '100000',
  };
}

export async function r7(platform: BenchPlatform, ctx: RunContext): Promise<FigureResult> {
  const f = await fixture(platform, 'r7');
  const few = ctx.smoke ? 20 : 1_000;
  const many = ctx.smoke ? 200 : 10_000;
  // The two ways in (an ID token, an API key); bounded to two functions (10,000 requests each).
  const targets: Array<{ service: string; fn: string; event: Record<string, unknown> }> = [
    { service: 'organizations', fn: 'getOrganization', event: { pathParameters: { orgId: f.orgId }, token: f.token } },
    { service: 'applications', fn: 'getCallingApplication', event: { apiKey: f.apiKey } },
  ].slice(0, ctx.smoke ? 1 : 2);
  const rows: Array<{
    fn: string;
    heapFewMiB: number;
    heapManyMiB: number;
    rssMiB: number;
    ratio: number;
    statuses: unknown;
  }> = [];
  for (const target of targets) {
    const bundle = await bundleFunction(
      target.service,
      target.fn,
      join(repoRoot, 'services', target.service, 'src', 'functions', target.fn, 'handler.ts'),
    );
    const output = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        join(repoRoot, 'perf', 'src', 'heap-child.mjs'),
        bundle.file,
        JSON.stringify(target.event),
        String(few),
        String(many),
      ],
      {
        env: bundleEnvironment(platform, target.service),
        maxBuffer: 1024 * 1024,
      },
    );
    const result = JSON.parse(output.toString().trim().split('\n').at(-1)!) as {
      heapFew: number;
      heapMany: number;
      rss: number;
      statuses: Record<string, number>;
    };
    const bad = Object.keys(result.statuses).filter((status) => status !== '200');
    if (bad.length > 0) throw new Error(`R7 ${target.fn} answered ${JSON.stringify(result.statuses)}`);
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;
    rows.push({
      fn: `${target.service}/${target.fn}`,
      heapFewMiB: mib(result.heapFew),
      heapManyMiB: mib(result.heapMany),
      rssMiB: mib(result.rss),
      ratio: ratio(result.heapMany, result.heapFew),
      statuses: result.statuses,
    });
    log(
      `R7 ${target.fn}: heap ${rows.at(-1)!.heapFewMiB} → ${rows.at(-1)!.heapManyMiB} MiB, rss ${rows.at(-1)!.rssMiB} MiB`,
    );
  }
  const worst = Math.max(...rows.map((row) => row.ratio));
  const maxRss = Math.max(...rows.map((row) => row.rssMiB));
  return {
    id: 'R7',
    title: 'memory',
    target: 'heap after 10,000 ≤ 1.1× after 1,000',
    measured: `worst ${worst}× (${rows.length} functions); largest RSS ${maxRss} MiB`,
    met: worst <= 1.1,
    series: [],
    details: `Each function's deployed bundle (as R3 builds it) loaded in a fresh \`node --expose-gc\`, invoked in process
with API Gateway events against this platform's DynamoDB Local and cognito-local, one request at a time;
heap used after a full GC once ${few} requests are done and again after ${many}. The resident size after
${many} is what \`memorySize\` is sized from (services/serverless.shared.yml, see perf/README.md).

| function | heap after ${few} (MiB) | heap after ${many} (MiB) | × | RSS after ${many} (MiB) |
|---|---|---|---|---|
${rows.map((row) => `| ${row.fn} | ${row.heapFewMiB} | ${row.heapManyMiB} | ${row.ratio} | ${row.rssMiB} |`).join('\n')}`,
    data: { rows },
  };
}
