import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { repoRoot, toolEnv } from './environment';

const run = promisify(execFile);

export interface Route {
  method: string;
  path: string;
}

export interface Subscription {
  functionName: string;
  eventBus: string;
  pattern: Record<string, unknown>;
}

/** A function's `stream` event on a table of its service. */
export interface StreamSubscription {
  functionName: string;
  tableName: string;
  batchSize: number;
  filterPatterns: Array<Record<string, unknown>>;
  /** A failing batch of several records is split in two (Lambda's BisectBatchOnFunctionError). */
  bisectBatchOnFunctionError: boolean;
  /** Retries of a failing batch before its records go to the on-failure destination (-1: until they succeed). */
  maximumRetryAttempts: number;
  /** The age past which a record goes to the on-failure destination instead of the function (-1: no bound). */
  maximumRecordAgeInSeconds: number;
}

export interface TableDefinition {
  create: CreateTableCommandInput;
  ttlAttribute?: string;
}

/** One service as its own serverless.yml declares it, variables resolved by `sls print`. */
export interface ServiceDefinition {
  /** Its folder under services/, e.g. `organizations`. */
  name: string;
  dir: string;
  /** Its Serverless service name, e.g. `tenantry-organizations`. */
  serviceName: string;
  routes: Route[];
  subscriptions: Subscription[];
  streams: StreamSubscription[];
  tables: TableDefinition[];
}

interface PrintedFunction {
  name?: string;
  events?: Array<{
    httpApi?: { method: string; path: string } | string;
    eventBridge?: { eventBus?: string; pattern?: Record<string, unknown> };
    stream?: {
      arn?: unknown;
      batchSize?: number;
      filterPatterns?: Array<Record<string, unknown>>;
      bisectBatchOnFunctionError?: boolean;
      maximumRetryAttempts?: number;
      maximumRecordAgeInSeconds?: number;
    };
  }>;
}

interface PrintedService {
  service: string;
  functions?: Record<string, PrintedFunction>;
  resources?: { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> };
}

export const servicesDir = join(repoRoot, 'services');

/** Service folders that hold a serverless.yml, sorted by name (their order fixes their ports). */
export function serviceNames(): string[] {
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(servicesDir, entry.name)).includes('serverless.yml'))
    .map((entry) => entry.name)
    .sort();
}

export const slsBin = (dir: string): string => join(dir, 'node_modules', 'osls', 'bin', 'serverless.js');

export function slsParams(params: Record<string, string>): string[] {
  return Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]);
}

/**
 * `sls print` of one service for a stage. Stage `local` needs no parameters: it reads the state file
 * of the platform in `env.TENANTRY_DATA_DIR` (see services/serverless.shared.yml).
 *
 * What the platform reads of it (routes, subscriptions, tables) depends only on the YAML, so it is
 * kept in `node_modules/.cache/tenantry/` under a hash of the service's and the shared
 * serverless.yml: `sls print` (about 3.5 s of CPU per service) then runs only after a change.
 */
export async function describeService(
  name: string,
  stage: string,
  env: Record<string, string> = {},
  cacheDir = describeCacheDir,
): Promise<ServiceDefinition> {
  const dir = join(servicesDir, name);
  const cached = join(cacheDir, `${name}-${stage}-${configurationHash(dir)}.json`);
  if (existsSync(cached)) return { name, dir, ...(JSON.parse(readFileSync(cached, 'utf8')) as Described) };
  const { stdout } = await run(process.execPath, [slsBin(dir), 'print', '--format', 'json', '--stage', stage], {
    cwd: dir,
    env: toolEnv(env),
    maxBuffer: 16 * 1024 * 1024,
  });
  const printed = JSON.parse(stdout) as PrintedService;
  const described: Described = { serviceName: printed.service, ...readDefinition(printed, stage) };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cached, JSON.stringify(described));
  return { name, dir, ...described };
}

type Described = Omit<ServiceDefinition, 'name' | 'dir'>;

/** Bump when readDefinition reads something new (2: stream events and stream settings). */
const DEFINITION_FORMAT = '2';

export const describeCacheDir = join(repoRoot, 'node_modules', '.cache', 'tenantry');

/** A hash of what `sls print` reads: the service's YAML files and the shared configuration. */
function configurationHash(dir: string): string {
  // The version of what is read from `sls print`: a change to readDefinition invalidates the cache.
  const hash = createHash('sha256').update(DEFINITION_FORMAT);
  const files = [
    ...readdirSync(dir)
      .filter((file) => /\.ya?ml$/.test(file))
      .sort()
      .map((file) => join(dir, file)),
    join(servicesDir, 'serverless.shared.yml'),
  ];
  for (const file of files) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export function readDefinition(
  printed: PrintedService,
  stage: string,
): Omit<ServiceDefinition, 'name' | 'dir' | 'serviceName'> {
  const routes: Route[] = [];
  const subscriptions: Subscription[] = [];
  const streams: StreamSubscription[] = [];
  const resources = printed.resources?.Resources ?? {};
  for (const [key, fn] of Object.entries(printed.functions ?? {})) {
    const functionName = fn.name ?? `${printed.service}-${stage}-${key}`;
    for (const event of fn.events ?? []) {
      if (event.httpApi) {
        const route = typeof event.httpApi === 'string' ? parseRouteString(event.httpApi) : event.httpApi;
        routes.push({ method: route.method.toUpperCase(), path: route.path });
      }
      if (event.eventBridge?.pattern) {
        subscriptions.push({
          functionName,
          eventBus: event.eventBridge.eventBus ?? 'default',
          pattern: event.eventBridge.pattern,
        });
      }
      if (event.stream) {
        streams.push({
          functionName,
          tableName: streamTable(event.stream.arn, resources),
          batchSize: event.stream.batchSize ?? 100,
          filterPatterns: event.stream.filterPatterns ?? [],
          // Lambda's defaults: no bisection, retries until the records succeed (or expire).
          bisectBatchOnFunctionError: event.stream.bisectBatchOnFunctionError ?? false,
          maximumRetryAttempts: event.stream.maximumRetryAttempts ?? -1,
          maximumRecordAgeInSeconds: event.stream.maximumRecordAgeInSeconds ?? -1,
        });
      }
    }
  }
  const tables = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::DynamoDB::Table')
    .map((resource) => toTableDefinition(resource.Properties));
  return { routes, subscriptions, streams, tables };
}

/** The table of a stream event's `arn: !GetAtt <Table>.StreamArn`, a table of the same service. */
function streamTable(
  arn: unknown,
  resources: Record<string, { Type: string; Properties: Record<string, unknown> }>,
): string {
  const [logicalId, attribute] = (arn as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'] ?? [];
  const table = logicalId ? resources[logicalId] : undefined;
  if (attribute !== 'StreamArn' || table?.Type !== 'AWS::DynamoDB::Table') {
    throw new Error(`a stream event must name a table of its service: arn: !GetAtt <Table>.StreamArn`);
  }
  return String(table.Properties.TableName);
}

function parseRouteString(route: string): Route {
  const [method = '*', path = '/'] = route.split(' ');
  return { method, path };
}

/** The CloudFormation table properties, as the CreateTable call DynamoDB Local understands. */
function toTableDefinition(properties: Record<string, unknown>): TableDefinition {
  const ttl = properties.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  const stream = properties.StreamSpecification as { StreamViewType: string } | undefined;
  const create = {
    TableName: properties.TableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
    LocalSecondaryIndexes: properties.LocalSecondaryIndexes,
    // CloudFormation names the view type only; the API also wants StreamEnabled.
    ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } } : {}),
    BillingMode: 'PAY_PER_REQUEST',
  } as CreateTableCommandInput;
  return { create, ...(ttl?.Enabled ? { ttlAttribute: ttl.AttributeName } : {}) };
}
