// Spare parts next to the test platform, for tests that need a service COLD, or a dependency STOPPED
// or PAUSED, without disturbing the platform every other test file shares at the same time:
// - startColdService: one more `sls offline` of a service, on ports of its own, resolving stage local
//   from a copy of the test platform's state file (so it uses the same tables, pool and bus unless
//   told otherwise): every function in it starts cold;
// - startSpareCognito / startSpareDynamoDb: a cognito-local or DynamoDB Local of their own, to stop,
//   restart, pause (SIGSTOP) and resume.
// Their ports sit in the test run's own port layout (TENANTRY_BASE_URL's offset), above the ports of
// the platform itself, so parallel test runs never collide.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { ensureUserPool, issuerOf, startCognito, type UserPool } from '../cognito';
import { dynamoDbClient, startDynamoDb } from '../dynamodb';
import { toolEnv } from '../environment';
import { OFFLINE_ARGS } from '../offline';
import { stateFile } from '../platform';
import { platformPorts, sparePorts as sparePortsOf } from '../ports';
import { type ManagedProcess, startProcess, waitFor } from '../processes';
import { servicesDir, slsBin } from '../services';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is the test platform running (global setup)?`);
  return value;
}

/** The port offset of this test run's platform (its gateway listens on 3000 + offset). */
export function testPortOffset(): number {
  return Number(new URL(env('TENANTRY_BASE_URL')).port) - platformPorts(0).gateway;
}

/** Spare ports of this run's layout: `slot` 0..9 of each kind. */
export const sparePorts = (slot: number) => sparePortsOf(testPortOffset(), slot);

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tenantry-${prefix}-`));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return dir;
}

export interface ColdService {
  /** `http://127.0.0.1:<port>`: this copy's serverless-offline, where every function starts cold. */
  url: string;
  /** Its serverless-offline output (the functions' logs among it). */
  log: string;
  stop(): Promise<void>;
}

interface StateFile {
  params: Record<string, string>;
  /** The variables tests and tools get (AUTH_JWKS_URI, DYNAMODB_ENDPOINT…): never the service's. */
  env: Record<string, string>;
  offline: Record<string, { directory: string; httpPort: number; lambdaPort: number }>;
}

/**
 * `env` without what the test process got from the platform (global setup copies the platform's
 * variables into it): the service resolves everything from stage local, as in a developer's shell,
 * and an inherited AUTH_JWKS_URI, say, would point it at the test platform's cognito-local.
 */
function withoutPlatformEnv(env: NodeJS.ProcessEnv, platformEnv: Record<string, string>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !(name in platformEnv)));
}

/**
 * One more `sls offline` of `service` (a folder of services/), exactly as a developer starts it, on
 * the spare ports of `slot`. Stage local resolves from a copy of the test platform's state file, with
 * `params` changed (e.g. `dynamodbEndpoint`, or the user pool of a spare cognito-local).
 */
export async function startColdService(
  service: string,
  options: { slot: number; params?: Record<string, string> },
): Promise<ColdService> {
  const ports = sparePorts(options.slot);
  const state = JSON.parse(readFileSync(stateFile(env('TENANTRY_DATA_DIR')), 'utf8')) as StateFile;
  const name = Object.keys(state.offline).find((key) => state.offline[key]?.directory === service);
  if (!name) throw new Error(`the test platform's state file has no service ${service}`);
  const dir = scratchDir(`cold-${service}`);
  const copy: StateFile = {
    ...state,
    params: { ...state.params, ...options.params },
    offline: { ...state.offline, [name]: { directory: service, httpPort: ports.http, lambdaPort: ports.lambda } },
  };
  writeFileSync(stateFile(dir), JSON.stringify(copy, null, 2));
  const log = join(dir, 'logs', `${service}.log`);
  const serviceDir = join(servicesDir, service);
  // As the platform runs each service (npm start): one process, no watch.
  const offline = startProcess(`cold-${service}`, process.execPath, [slsBin(serviceDir), ...OFFLINE_ARGS], {
    cwd: serviceDir,
    env: withoutPlatformEnv(
      toolEnv({
        TENANTRY_DATA_DIR: dir,
        TENANTRY_BUILD_DIR: `.esbuild/cold-${ports.http}`,
        TENANTRY_OFFLINE_WATCH: 'off',
      }),
      state.env,
    ),
    logs: { kind: 'file', path: () => log },
  });
  const url = `http://127.0.0.1:${ports.http}`;
  await waitFor(
    `cold ${service} (serverless-offline)`,
    async () => (await fetch(`${url}/health/${service}`, { signal: AbortSignal.timeout(2000) })).ok,
    // As long as the platform's own services may take on a loaded two-core machine.
    { process: offline, timeoutMs: 300_000 },
  );
  return {
    url,
    log,
    async stop() {
      await offline.stop();
      rmSync(join(serviceDir, '.esbuild', `cold-${ports.http}`), { recursive: true, force: true });
      if (!process.env.TENANTRY_KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SpareCognito {
  endpoint: string;
  pool: UserPool;
  /** The token issuer (its JWKS: `${issuer}/.well-known/jwks.json`). */
  issuer: string;
  /** Stage-local params that make a cold service trust this pool. */
  params: Record<string, string>;
  /** Stops the process (its JWKS endpoint goes down); `start()` brings it back with the same pool. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

/** A cognito-local of its own (same pool and keys across stop/start), on the spare port of `slot`. */
export async function startSpareCognito(slot: number): Promise<SpareCognito> {
  const port = sparePorts(slot).cognito;
  const dir = scratchDir('cognito');
  const endpoint = `http://127.0.0.1:${port}`;
  let running: ManagedProcess | undefined;
  const start = async () => {
    running = await startCognito({
      port,
      dataDir: dir,
      logs: { kind: 'file', path: () => join(dir, 'logs', 'cognito.log') },
      env: toolEnv(),
    });
  };
  await start();
  let pool: UserPool;
  try {
    pool = await ensureUserPool(endpoint, join(dir, 'pool.json'));
  } catch (error) {
    await running?.stop();
    throw error;
  }
  const issuer = issuerOf(endpoint, pool);
  return {
    endpoint,
    pool,
    issuer,
    params: { userPoolId: pool.userPoolId, userPoolClientId: pool.clientId, authIssuer: issuer },
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    start,
    close: async () => {
      await running?.stop();
      running = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SpareDynamoDb {
  endpoint: string;
  /** Suspends the Java process (SIGSTOP): connections still open, nothing answers. */
  pause(): void;
  /** Lets it run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * A DynamoDB Local of its own (in memory) on the spare port of `slot`, with every table of the test
 * platform's DynamoDB (same keys and indexes, empty).
 */
export async function startSpareDynamoDb(slot: number): Promise<SpareDynamoDb> {
  const port = sparePorts(slot).dynamodb;
  const dir = scratchDir('dynamodb');
  const dynamodb = await startDynamoDb({
    port,
    logs: { kind: 'file', path: () => join(dir, 'logs', 'dynamodb.log') },
    env: toolEnv(),
  });
  const stop = async () => {
    if (dynamodb.child.exitCode === null && dynamodb.child.signalCode === null) dynamodb.child.kill('SIGCONT');
    await dynamodb.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await copyTables(env('DYNAMODB_ENDPOINT'), port);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pause: () => dynamodb.child.kill('SIGSTOP'),
    resume: () => dynamodb.child.kill('SIGCONT'),
    stop,
  };
}

/** Creates, in the DynamoDB Local on `port`, every table of the one at `from` (keys and indexes only). */
async function copyTables(from: string, port: number): Promise<void> {
  const source = dynamoDbClient(Number(new URL(from).port));
  const target = dynamoDbClient(port);
  try {
    const names: string[] = [];
    let start: string | undefined;
    do {
      const page = await source.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      names.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const name of names) {
      const { Table: table } = await source.send(new DescribeTableCommand({ TableName: name }));
      if (!table) continue;
      const input: CreateTableCommandInput = {
        TableName: name,
        AttributeDefinitions: table.AttributeDefinitions,
        KeySchema: table.KeySchema,
        BillingMode: 'PAY_PER_REQUEST',
        ...(table.GlobalSecondaryIndexes?.length
          ? {
              GlobalSecondaryIndexes: table.GlobalSecondaryIndexes.map((index) => ({
                IndexName: index.IndexName,
                KeySchema: index.KeySchema,
                Projection: index.Projection,
              })),
            }
          : {}),
        ...(table.LocalSecondaryIndexes?.length
          ? {
              LocalSecondaryIndexes: table.LocalSecondaryIndexes.map((index) => ({
                IndexName: index.IndexName,
                KeySchema: index.KeySchema,
                Projection: index.Projection,
              })),
            }
          : {}),
      };
      await target.send(new CreateTableCommand(input));
    }
  } finally {
    source.destroy();
    target.destroy();
  }
}
