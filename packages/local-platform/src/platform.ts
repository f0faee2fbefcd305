import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ensureUserPool, issuerOf, startCognito, type UserPool } from './cognito';
import { ensureTables, localCredentials, startDynamoDb } from './dynamodb';
import { repoRoot, toolEnv } from './environment';
import { type LocalEventBus, startEventBus } from './event-bus';
import { type GatewayRoute, startGateway } from './gateway';
import { type PlatformPorts, platformPorts } from './ports';
import { isPortInUse, type LogSink, type ManagedProcess, startProcess, waitFor } from './processes';
import { describeService, type ServiceDefinition, serviceNames, slsBin, slsParams } from './services';

export const STAGE = 'local';
export const REGION = 'us-east-1';
export const EVENT_BUS_NAME = 'tenantry-local';
/** Key id of the platform key in the local key provider of @tenantry/crypto (`LOCAL_KMS_DIR`). */
const LOCAL_PLATFORM_KEY = 'local/platform';
export const defaultDataDir = join(repoRoot, '.local');

export interface PlatformOptions {
  /** Added to every default port; 0 for `npm start`. */
  portOffset?: number;
  /** Where DynamoDB, Cognito and key data live (git-ignored). */
  dataDir?: string;
  /** Keep DynamoDB in memory (tests) instead of in `<dataDir>/dynamodb`. */
  inMemory?: boolean;
  logs?: LogSink;
}

/** What a client of the running platform needs to know; also saved to `<dataDir>/platform.json`. */
export interface PlatformInfo {
  baseUrl: string;
  ports: { gateway: number; eventBus: number; dynamodb: number; cognito: number };
  cognitoEndpoint: string;
  dynamodbEndpoint: string;
  eventBusEndpoint: string;
  pool: UserPool;
  /** The environment every function gets locally (and tests reuse). */
  env: Record<string, string>;
  services: string[];
}

export interface RunningPlatform extends PlatformInfo {
  eventBus: LocalEventBus;
  stop(): Promise<void>;
}

export const stateFile = (dataDir: string): string => join(dataDir, 'platform.json');

/** The ports of this layout that something already listens on. */
export async function busyPorts(portOffset = 0): Promise<number[]> {
  const ports = platformPorts(portOffset);
  const servicePorts = serviceNames().flatMap((_, index) => [ports.service(index).http, ports.service(index).lambda]);
  const all = [ports.gateway, ports.eventBus, ports.dynamodb, ports.cognito, ...servicePorts];
  const busy = await Promise.all(all.map(async (port) => ((await isPortInUse(port)) ? port : undefined)));
  return busy.filter((port): port is number => port !== undefined);
}

export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const offset = options.portOffset ?? 0;
  const ports: PlatformPorts = platformPorts(offset);
  const dataDir = options.dataDir ?? defaultDataDir;
  const logs = options.logs ?? { kind: 'terminal' };
  for (const folder of ['dynamodb', 'cognito', 'kms', 'logs']) mkdirSync(join(dataDir, folder), { recursive: true });

  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };

  try {
    const names = serviceNames();
    const localParams = { httpApiId: 'local', eventBusName: EVENT_BUS_NAME, platformKmsKeyId: LOCAL_PLATFORM_KEY };
    // Routes, subscriptions and tables do not depend on the pool, which does not exist yet.
    const printParams = { ...localParams, userPoolId: 'pending', userPoolClientId: 'pending' };
    const [described, infrastructure] = await Promise.allSettled([
      Promise.all(names.map((name) => describeService(name, STAGE, printParams))),
      startedTogether(started, [
        startDynamoDb({
          port: ports.dynamodb,
          ...(options.inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') }),
          logs,
          env: toolEnv(),
        }),
        startCognito({ port: ports.cognito, dataDir: join(dataDir, 'cognito'), logs, env: toolEnv() }),
      ]),
    ]);
    if (infrastructure.status === 'rejected') throw infrastructure.reason;
    if (described.status === 'rejected') throw described.reason;
    const services = described.value;

    const cognitoEndpoint = `http://127.0.0.1:${ports.cognito}`;
    const dynamodbEndpoint = `http://127.0.0.1:${ports.dynamodb}`;
    const eventBusEndpoint = `http://127.0.0.1:${ports.eventBus}`;
    const [pool] = await Promise.all([
      ensureUserPool(cognitoEndpoint, join(dataDir, 'cognito', 'pool.json')),
      ensureTables(
        ports.dynamodb,
        services.flatMap((service) => service.tables),
      ),
    ]);
    const issuer = issuerOf(cognitoEndpoint, pool);
    const env: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      EVENTBRIDGE_ENDPOINT: eventBusEndpoint,
      EVENT_BUS_NAME,
      COGNITO_ENDPOINT: cognitoEndpoint,
      USER_POOL_ID: pool.userPoolId,
      AUTH_CLIENT_ID: pool.clientId,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URI: `${issuer}/.well-known/jwks.json`,
      LOCAL_KMS_DIR: join(dataDir, 'kms'),
      PLATFORM_KMS_KEY_ID: LOCAL_PLATFORM_KEY,
      ORGANIZATIONS_TABLE: `tenantry-${STAGE}-organizations`,
      MEMBERSHIPS_TABLE: `tenantry-${STAGE}-memberships`,
      APPLICATIONS_TABLE: `tenantry-${STAGE}-applications`,
      NOTIFICATIONS_TABLE: `tenantry-${STAGE}-notifications`,
      // Request paths never scan: locally, any Scan fails loudly (see @tenantry/dynamo).
      TENANTRY_FORBID_SCAN: '1',
    };
    const params = { ...localParams, userPoolId: pool.userPoolId, userPoolClientId: pool.clientId, authIssuer: issuer };

    const eventBus = await startEventBus({
      port: ports.eventBus,
      region: REGION,
      targets: services.flatMap((service, index) =>
        service.subscriptions.map((subscription) => ({ ...subscription, lambdaPort: ports.service(index).lambda })),
      ),
      log: (line) => process.stdout.write(`[event-bus] ${line}\n`),
    });
    started.push(eventBus);

    await startedTogether(
      started,
      services.map((service, index) => startService(service, ports.service(index), { env, params, logs, offset })),
    );

    const gateway: Server = await startGateway({
      port: ports.gateway,
      routes: services.flatMap((service, index) =>
        service.routes.map(
          (route): GatewayRoute => ({ ...route, service: service.name, port: ports.service(index).http }),
        ),
      ),
      healthRoutes: services.map((service) => ({ service: service.name, path: `/health/${service.name}` })),
    });
    started.push({ stop: () => new Promise<void>((resolve) => gateway.close(() => resolve())) });

    const info: PlatformInfo = {
      baseUrl: `http://127.0.0.1:${ports.gateway}`,
      ports: { gateway: ports.gateway, eventBus: ports.eventBus, dynamodb: ports.dynamodb, cognito: ports.cognito },
      cognitoEndpoint,
      dynamodbEndpoint,
      eventBusEndpoint,
      pool,
      env,
      services: names,
    };
    writeFileSync(stateFile(dataDir), `${JSON.stringify(info, null, 2)}\n`);
    return { ...info, eventBus, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts processes in parallel and records each one that started in `started` — also when another
 * failed, so the caller's cleanup stops them all.
 */
async function startedTogether(started: Array<{ stop(): Promise<void> }>, starts: Array<Promise<ManagedProcess>>) {
  const results = await Promise.allSettled(starts);
  const processes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  started.push(...processes);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return processes;
}

async function startService(
  service: ServiceDefinition,
  ports: { http: number; lambda: number },
  options: { env: Record<string, string>; params: Record<string, string>; logs: LogSink; offset: number },
): Promise<ManagedProcess> {
  const args = [
    slsBin(service.dir),
    'offline',
    'start',
    '--stage',
    STAGE,
    '--localEnvironment',
    // Locally, 100 concurrent cold invocations share two cores: the deployed 10 s timeout would turn
    // the emulator's slowness into failures that AWS, with a container per request, never shows.
    '--noTimeout',
    '--httpPort',
    String(ports.http),
    '--lambdaPort',
    String(ports.lambda),
    ...slsParams(options.params),
  ];
  const offline = startProcess(service.name, process.execPath, args, {
    cwd: service.dir,
    // Each platform instance builds into its own folder, so tests can run beside `npm start`.
    env: toolEnv({ ...options.env, TENANTRY_BUILD_DIR: `.esbuild/offline-${options.offset}` }),
    logs: options.logs,
  });
  // Ready when the service itself answers its health route (an open port could be someone else's).
  const health = `http://127.0.0.1:${ports.http}/health/${service.name}`;
  await waitFor(
    `${service.name} (serverless-offline)`,
    async () => (await fetch(health, { signal: AbortSignal.timeout(2000) })).ok,
    { process: offline },
  );
  return offline;
}
