import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ensureUserPool, issuerOf, startCognito, type UserPool } from './cognito';
import { corsPolicy } from './cors';
import { ensureTables, localCredentials, startDynamoDb } from './dynamodb';
import { platformEnvironment, repoRoot, toolEnv } from './environment';
import { type LocalEventBus, startEventBus } from './event-bus';
import { type GatewayRoute, startGateway } from './gateway';
import { type OfflineService, startOffline } from './offline';
import { type PlatformPorts, platformPorts } from './ports';
import { isPortInUse, type LogSink } from './processes';
import { watchSources } from './reload';
import { describeService, type ServiceDefinition, serviceNames } from './services';
import { startStreamPoller } from './streams';

export const STAGE = 'local';
export const REGION = 'us-east-1';
/** `params.local.eventBusName` of services/serverless.shared.yml. */
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
  /** Browser origins the gateway allows (`AllowedOrigins` of infra/platform.yml); default: its local value. */
  allowedOrigins?: string[];
  /**
   * Multiplies every rate limit (`RATE_LIMIT_SCALE`, docs/adr/0003-rate-limits.md). Default 1: limits
   * as deployed (`npm start`). The test platform and the perf harness raise them.
   */
  rateLimitScale?: number;
  logs?: LogSink;
  /**
   * Restart a service when its sources or a workspace package it uses change (`npm start`). Default
   * false: the test platform never reloads, so other people's edits cost it nothing.
   */
  reload?: boolean;
}

/**
 * The values of stage `local` that change from one platform to another; every serverless.yml reads
 * them from the state file (`params.local` of services/serverless.shared.yml).
 */
export interface LocalParams {
  userPoolId: string;
  userPoolClientId: string;
  authIssuer: string;
  dynamodbEndpoint: string;
  eventBridgeEndpoint: string;
  localKmsDir: string;
  /** `RATE_LIMIT_SCALE` of every function (1: limits as deployed). */
  rateLimitScale: string;
}

/**
 * What a client of the running infrastructure needs to know; also saved to `<dataDir>/platform.json`,
 * which the CLI and stage `local` of every serverless.yml read.
 */
export interface InfrastructureInfo {
  /** `platform`: `npm start` (services and gateway too); `infra`: `npm start -- --infra`. */
  mode: 'platform' | 'infra';
  ports: { eventBus: number; dynamodb: number; cognito: number };
  cognitoEndpoint: string;
  dynamodbEndpoint: string;
  eventBusEndpoint: string;
  pool: UserPool;
  /** The environment every function gets locally (and tests reuse). */
  env: Record<string, string>;
  /** Service folders under services/. */
  services: string[];
  params: LocalParams;
  /** Each service's serverless-offline ports, by Serverless service name (`tenantry-<folder>`). */
  offline: Record<string, { directory: string; httpPort: number; lambdaPort: number }>;
}

/** The whole platform of `npm start`: the infrastructure, every service and the gateway. */
export interface PlatformInfo extends InfrastructureInfo {
  baseUrl: string;
  ports: { gateway: number; eventBus: number; dynamodb: number; cognito: number };
}

export interface RunningInfrastructure extends InfrastructureInfo {
  eventBus: LocalEventBus;
  /** Every service as its serverless.yml declares it (routes, subscriptions, tables). */
  definitions: ServiceDefinition[];
  dataDir: string;
  stop(): Promise<void>;
}

export interface RunningPlatform extends PlatformInfo {
  eventBus: LocalEventBus;
  stop(): Promise<void>;
}

export const stateFile = (dataDir: string): string => join(dataDir, 'platform.json');

/** The ports of this layout that something already listens on (`infra`: the infrastructure's only). */
export async function busyPorts(portOffset = 0, mode: 'platform' | 'infra' = 'platform'): Promise<number[]> {
  const ports = platformPorts(portOffset);
  const servicePorts = serviceNames().flatMap((_, index) => [ports.service(index).http, ports.service(index).lambda]);
  const all =
    mode === 'infra'
      ? [ports.eventBus, ports.dynamodb, ports.cognito]
      : [ports.gateway, ports.eventBus, ports.dynamodb, ports.cognito, ...servicePorts];
  const busy = await Promise.all(all.map(async (port) => ((await isPortInUse(port)) ? port : undefined)));
  return busy.filter((port): port is number => port !== undefined);
}

/**
 * `npm start -- --infra`: DynamoDB Local with the tables of every service, cognito-local with the
 * pool, and the local event bus (delivering to each service's serverless-offline Lambda port of the
 * layout, whichever run). Writes the state file that the CLI and `sls offline` of any service read.
 */
export async function startInfrastructure(
  options: PlatformOptions = {},
  /** Called once the state file is written, before DynamoDB Local is ready: `npm start` starts the services then. */
  onStateWritten?: (definitions: ServiceDefinition[]) => void,
): Promise<RunningInfrastructure> {
  const offset = options.portOffset ?? 0;
  const ports: PlatformPorts = platformPorts(offset);
  const dataDir = options.dataDir ?? defaultDataDir;
  const logs = options.logs ?? { kind: 'terminal' };
  for (const folder of ['dynamodb', 'cognito', 'kms', 'logs']) mkdirSync(join(dataDir, folder), { recursive: true });

  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };

  let dynamodbStarted: Promise<unknown> = Promise.resolve();
  try {
    const names = serviceNames();
    // DynamoDB Local (a JVM, the slowest to start) starts first and is awaited last: the state file
    // the services need depends on the pool only, so `npm start` starts them while DynamoDB boots.
    dynamodbStarted = startedTogether(started, [
      startDynamoDb({
        port: ports.dynamodb,
        ...(options.inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') }),
        logs,
        env: toolEnv(),
      }),
    ]);
    dynamodbStarted.catch(() => undefined); // awaited below; this only keeps an early failure handled
    // Routes, subscriptions and tables do not depend on the pool, which may not exist yet.
    const [described, cognitoStarted] = await Promise.allSettled([
      Promise.all(names.map((name) => describeService(name, STAGE, { TENANTRY_DATA_DIR: dataDir }))),
      startedTogether(started, [
        startCognito({ port: ports.cognito, dataDir: join(dataDir, 'cognito'), logs, env: toolEnv() }),
      ]),
    ]);
    if (cognitoStarted.status === 'rejected') throw cognitoStarted.reason;
    if (described.status === 'rejected') throw described.reason;
    const definitions = described.value;

    const cognitoEndpoint = `http://127.0.0.1:${ports.cognito}`;
    const dynamodbEndpoint = `http://127.0.0.1:${ports.dynamodb}`;
    const eventBusEndpoint = `http://127.0.0.1:${ports.eventBus}`;
    const pool = await ensureUserPool(cognitoEndpoint, join(dataDir, 'cognito', 'pool.json'));
    const issuer = issuerOf(cognitoEndpoint, pool);
    const params: LocalParams = {
      userPoolId: pool.userPoolId,
      userPoolClientId: pool.clientId,
      authIssuer: issuer,
      dynamodbEndpoint,
      eventBridgeEndpoint: eventBusEndpoint,
      localKmsDir: join(dataDir, 'kms'),
      rateLimitScale: String(options.rateLimitScale ?? 1),
    };
    const env = platformEnvironment({
      stage: STAGE,
      region: REGION,
      eventBusName: EVENT_BUS_NAME,
      platformKeyId: LOCAL_PLATFORM_KEY,
      credentials: localCredentials,
      dynamodbEndpoint,
      eventBridgeEndpoint: eventBusEndpoint,
      cognitoEndpoint,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      issuer,
      localKmsDir: params.localKmsDir,
      rateLimitScale: params.rateLimitScale,
    });

    const info: InfrastructureInfo = {
      mode: 'infra',
      ports: { eventBus: ports.eventBus, dynamodb: ports.dynamodb, cognito: ports.cognito },
      cognitoEndpoint,
      dynamodbEndpoint,
      eventBusEndpoint,
      pool,
      env,
      services: names,
      params,
      offline: Object.fromEntries(
        definitions.map((service, index) => [
          service.serviceName,
          { directory: service.name, httpPort: ports.service(index).http, lambdaPort: ports.service(index).lambda },
        ]),
      ),
    };
    writeState(dataDir, info);
    onStateWritten?.(definitions);

    await dynamodbStarted;
    await ensureTables(
      ports.dynamodb,
      definitions.flatMap((service) => service.tables),
      (line) => process.stdout.write(`[dynamodb] ${line}\n`),
    );
    const eventBus = await startEventBus({
      port: ports.eventBus,
      region: REGION,
      targets: definitions.flatMap((service, index) =>
        service.subscriptions.map((subscription) => ({ ...subscription, lambdaPort: ports.service(index).lambda })),
      ),
      log: (line) => process.stdout.write(`[event-bus] ${line}\n`),
      pendingDir: join(dataDir, 'event-bus'),
    });
    started.push(eventBus);

    // The outbox relays: each service's stream function, fed from DynamoDB Local's streams.
    started.push(
      await startStreamPoller({
        dynamodbPort: ports.dynamodb,
        region: REGION,
        targets: definitions.flatMap((service, index) =>
          service.streams.map((stream) => ({ ...stream, lambdaPort: ports.service(index).lambda })),
        ),
        log: (line) => process.stdout.write(`[streams] ${line}\n`),
        failuresDir: join(dataDir, 'stream-failures'),
      }),
    );
    return { ...info, eventBus, definitions, dataDir, stop: stopAll };
  } catch (error) {
    // A DynamoDB Local still starting is stopped too, once it has started.
    await dynamodbStarted.catch(() => undefined);
    await stopAll();
    throw error;
  }
}

/**
 * `npm start`: the infrastructure, every service under `sls offline` (the command a developer runs in
 * one service folder, resolving stage `local` from the state file) and the one gateway.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const offset = options.portOffset ?? 0;
  const ports: PlatformPorts = platformPorts(offset);
  const logs = options.logs ?? { kind: 'terminal' };
  const cors = corsPolicy(options.allowedOrigins);
  // The services start as soon as the state file exists, while DynamoDB Local is still booting.
  let offlineStarts: Promise<OfflineService[]> | undefined;
  const offlineStarted: Array<{ stop(): Promise<void> }> = [];
  const startServices = (services: ServiceDefinition[]) => {
    offlineStarts = startedTogether(
      offlineStarted,
      services.map((service, index) =>
        startOffline(service, ports.service(index), { dataDir: options.dataDir ?? defaultDataDir, logs, offset }),
      ),
    );
    offlineStarts.catch(() => undefined); // awaited below
  };
  let infrastructure: RunningInfrastructure;
  try {
    infrastructure = await startInfrastructure(options, startServices);
  } catch (error) {
    await offlineStarts?.catch(() => undefined);
    for (const part of offlineStarted.reverse()) await part.stop().catch(() => undefined);
    throw error;
  }
  const started: Array<{ stop(): Promise<void> }> = [infrastructure];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };

  try {
    const services = infrastructure.definitions;
    const offline: OfflineService[] = await offlineStarts!.finally(() => started.push(...offlineStarted));
    const byName = new Map(offline.map((service) => [service.name, service]));
    if (options.reload) {
      const say = (line: string) => process.stdout.write(`[reload] ${line}\n`);
      const watcher = watchSources({
        services: services.map((service) => service.name),
        onChange: (changed) => {
          say(`code changed: restarting ${changed.join(', ')}…`);
          for (const name of changed) {
            const began = Date.now();
            byName
              .get(name)
              ?.restart()
              .then(
                () => say(`${name} runs the new code (${((Date.now() - began) / 1000).toFixed(1)} s)`),
                (error: Error) => say(`${name} did not restart: ${error.message} (fix the code: it retries on save)`),
              );
          }
        },
      });
      started.push({ stop: async () => watcher.close() });
    }

    const gateway: Server = await startGateway({
      port: ports.gateway,
      routes: services.flatMap((service, index) =>
        service.routes.map(
          (route): GatewayRoute => ({ ...route, service: service.name, port: ports.service(index).http }),
        ),
      ),
      healthRoutes: services.map((service) => ({ service: service.name, path: `/health/${service.name}` })),
      cors,
      // A request to a service that is restarting waits for it instead of failing.
      ready: (service) => byName.get(service)?.ready() ?? Promise.resolve(),
    });
    started.push({ stop: () => new Promise<void>((resolve) => gateway.close(() => resolve())) });

    const info: PlatformInfo = {
      ...infrastructureInfo(infrastructure),
      mode: 'platform',
      baseUrl: `http://127.0.0.1:${ports.gateway}`,
      ports: { gateway: ports.gateway, ...infrastructure.ports },
    };
    writeState(infrastructure.dataDir, info);
    return { ...info, eventBus: infrastructure.eventBus, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function infrastructureInfo(running: RunningInfrastructure): InfrastructureInfo {
  const { mode, ports, cognitoEndpoint, dynamodbEndpoint, eventBusEndpoint, pool, env, services, params, offline } =
    running;
  return { mode, ports, cognitoEndpoint, dynamodbEndpoint, eventBusEndpoint, pool, env, services, params, offline };
}

function writeState(dataDir: string, info: InfrastructureInfo): void {
  writeFileSync(stateFile(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

/**
 * Starts processes in parallel and records each one that started in `started` — also when another
 * failed, so the caller's cleanup stops them all.
 */
async function startedTogether<T extends { stop(): Promise<void> }>(
  started: Array<{ stop(): Promise<void> }>,
  starts: Array<Promise<T>>,
): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const processes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  started.push(...processes);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return processes;
}
