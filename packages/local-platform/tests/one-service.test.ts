// README "Work on one service", run as written there: the infrastructure alone (`npm start -- --infra`),
// then `npx sls offline` in services/organizations, called with a token from `npm run cli`. Its own
// port layout (PORT_LAYOUTS.oneService) and data dir keep it apart from `npm start` and the test platform.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { repoRoot } from '../src/environment';
import { busyPorts, type InfrastructureInfo, stateFile } from '../src/platform';
import { PORT_LAYOUTS } from '../src/ports';
import { eventually } from '../src/testing';

const exec = promisify(execFile);
const OFFSET = PORT_LAYOUTS.oneService;
const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-one-service-'));

/**
 * A developer's shell: none of the test platform's variables (its endpoints, pool, data dir), only
 * the one variable README names for a platform whose data is not in `.local`.
 */
const shell: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(AWS_|TENANTRY_|AUTH_|COGNITO_|DYNAMODB_|EVENTBRIDGE_|EVENT_BUS|USER_POOL|LOCAL_KMS|PLATFORM_KMS|NODE_OPTIONS)/.test(
          name,
        ) && !name.endsWith('_TABLE'),
    ),
  ),
  TENANTRY_DATA_DIR: dataDir,
};

interface Running {
  child: ChildProcess;
  output: () => string;
}

/** Runs a command in a process group of its own, so stopping it reaches every process it started. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Running {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, output: () => output };
}

const signalGroup = (running: Running | undefined, signal: NodeJS.Signals) => {
  if (!running?.child.pid) return;
  try {
    process.kill(-running.child.pid, signal);
  } catch {
    // already gone
  }
};

/** Resolves once no process of the group is left (npm may exit before the processes it started). */
const groupEnded = (running: Running) =>
  eventually(
    async () => {
      try {
        process.kill(-running.child.pid!, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    { timeoutMs: 30_000, description: 'every process of the group to end' },
  );

const cli = (...args: string[]) => exec('npm', ['run', 'cli', '--', ...args], { cwd: repoRoot, env: shell });

describe('one service under sls offline against the infrastructure alone', () => {
  let infra: Running | undefined;
  let offline: Running | undefined;
  let subscriber: Server | undefined;
  const invocations: Array<{ functionName: string; event: { 'detail-type': string; detail: { subject?: unknown } } }> =
    [];
  let state: InfrastructureInfo;
  let organizationsUrl: string;

  beforeAll(async () => {
    infra = run('npm', ['start', '--', '--infra', '--port-offset', String(OFFSET), '--data-dir', dataDir], {
      cwd: repoRoot,
      env: shell,
    });
    await eventually(
      async () => {
        if (infra!.child.exitCode !== null) throw new Error(`npm start -- --infra exited:\n${infra!.output()}`);
        return infra!.output().includes('Tenantry infrastructure is running') ? true : undefined;
      },
      { timeoutMs: 240_000, description: 'npm start -- --infra to report the infrastructure running' },
    );
    state = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as InfrastructureInfo;

    // A running subscriber, as the event bus sees one: a Lambda Invoke endpoint on the notifications
    // service's serverless-offline Lambda port of this layout.
    subscriber = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const functionName = decodeURIComponent(request.url!.split('/functions/')[1]!.split('/')[0]!);
        invocations.push({ functionName, event: JSON.parse(Buffer.concat(chunks).toString()) });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('null');
      });
    });
    await new Promise<void>((resolve) =>
      subscriber!.listen(state.offline['tenantry-notifications']!.lambdaPort, '127.0.0.1', resolve),
    );

    offline = run('npx', ['sls', 'offline'], {
      cwd: join(repoRoot, 'services', 'organizations'),
      // Its own build folder, beside any `npx sls offline` a developer runs in the same checkout.
      env: { ...shell, TENANTRY_BUILD_DIR: `.esbuild/offline-${OFFSET}` },
    });
    organizationsUrl = `http://127.0.0.1:${state.offline['tenantry-organizations']!.httpPort}`;
    await eventually(
      async () => {
        if (offline!.child.exitCode !== null) throw new Error(`sls offline exited:\n${offline!.output()}`);
        const health = await fetch(`${organizationsUrl}/health/organizations`).catch(() => undefined);
        return health?.ok ? true : undefined;
      },
      { timeoutMs: 240_000, description: "the organizations service's health route under sls offline" },
    );
  }, 500_000);

  afterAll(async () => {
    signalGroup(offline, 'SIGKILL');
    signalGroup(infra, 'SIGKILL');
    await new Promise<void>((resolve) => (subscriber ? subscriber.close(() => resolve()) : resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('prints the same connection details, and where each service will listen', () => {
    expect(infra!.output()).toContain(`User pool id    ${state.pool.userPoolId}`);
    expect(infra!.output()).toContain(`App client id   ${state.pool.clientId}`);
    expect(infra!.output()).toContain(`DynamoDB Local  http://127.0.0.1:${state.ports.dynamodb}`);
    expect(infra!.output()).toMatch(
      new RegExp(
        `organizations +${organizationsUrl.replaceAll('.', '\\.')} +cd services/organizations && .*npx sls offline`,
      ),
    );
  });

  it('serves the organizations routes on the service port, with a token from the CLI', async () => {
    await cli('user', 'create', 'dev@example.test', '--group', 'CUSTOMER');
    const token = (await cli('token', 'dev@example.test')).stdout.trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const created = await fetch(`${organizationsUrl}/organizations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'One Service', slug: `one-service-${Date.now()}` }),
    });
    expect(created.status).toBe(201);
    const organization = (await created.json()) as { id: string; name: string };

    const read = await fetch(`${organizationsUrl}/organizations/${organization.id}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: organization.id, name: 'One Service' });
  }, 120_000);

  it('publishes its events on the local bus, which delivers them to a subscriber that runs', async () => {
    const delivered = await eventually(async () =>
      invocations.find((invocation) => invocation.event['detail-type'] === 'organization.created'),
    );

    expect(delivered.functionName).toBe('tenantry-notifications-local-recordAuditEvent');
  });

  it('stops on Ctrl-C, the service and the infrastructure, leaving no port of the layout open', async () => {
    signalGroup(offline, 'SIGINT');
    await groupEnded(offline!);
    signalGroup(infra, 'SIGINT');
    await groupEnded(infra!);
    await new Promise<void>((resolve) => subscriber!.close(() => resolve()));
    subscriber = undefined;

    expect(await busyPorts(OFFSET)).toEqual([]);
  }, 60_000);
});
