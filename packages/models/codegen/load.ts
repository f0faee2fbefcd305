/** Reads schemas/ into a checked, normalized Model. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import type { Auth, ErrorDef, Model, Operation, PlanDef, RateDef, RateLimitsDef, Schema } from './model';

const SPECIAL_FILES = ['plans.yaml', 'rate-limits.yaml', 'errors.yaml', 'parameters.yaml'];
const SERVICES = ['organizations', 'memberships', 'applications', 'notifications'];
const AUTHS: Auth[] = ['user', 'user-or-api-key', 'api-key', 'none'];
const OPERATION_KEYS = [
  'service',
  'method',
  'path',
  'summary',
  'description',
  'auth',
  'scope',
  'successStatus',
  'idempotent',
  'body',
  'bodyRequired',
  'query',
  'page',
  'response',
  'errors',
  'degradedStatus',
];

type Yaml = Record<string, unknown>;

/** The YAML files of a folder, its own files first, then its subfolders' (each in name order). */
function yamlFiles(dir: string): string[] {
  const paths = readdirSync(dir)
    .sort()
    .map((name) => join(dir, name));
  const folders = paths.filter((path) => statSync(path).isDirectory());
  return [...paths.filter((path) => path.endsWith('.yaml') && !folders.includes(path)), ...folders.flatMap(yamlFiles)];
}

function readYaml(path: string): Yaml {
  let content: unknown;
  try {
    content = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new Error(`${path}: expected a map at the top level`);
  }
  return content as Yaml;
}

/** Loads and checks every YAML file of `schemasDir`. Throws with the file and name at fault. */
export function loadModel(schemasDir: string): Model {
  const files = yamlFiles(schemasDir);
  const plans = readYaml(join(schemasDir, 'plans.yaml')) as Record<string, PlanDef>;
  const rateLimits = readYaml(join(schemasDir, 'rate-limits.yaml')) as unknown as RateLimitsDef;
  const errors = readYaml(join(schemasDir, 'errors.yaml')) as Record<string, ErrorDef>;
  const parameters = readYaml(join(schemasDir, 'parameters.yaml')) as Record<string, Schema>;

  const definitions: Record<string, Schema> = {
    Plan: { description: 'Plan of an organization (limits in plans.yaml).', type: 'string', enum: Object.keys(plans) },
    ErrorCode: { description: 'Error code of an error response.', type: 'string', enum: Object.keys(errors) },
  };
  const rawOperations: [string, string, Yaml][] = [];
  for (const file of files) {
    const where = relative(schemasDir, file);
    if (SPECIAL_FILES.includes(where)) continue;
    for (const [name, value] of Object.entries(readYaml(file))) {
      if (where.startsWith('operations/')) {
        rawOperations.push([name, basename(file, '.yaml'), value as Yaml]);
        continue;
      }
      if (definitions[name]) throw new Error(`${where}: ${name} is defined twice`);
      definitions[name] = value as Schema;
    }
  }

  const operations = rawOperations.map(([id, file, raw]) => toOperation(id, file, raw, parameters, errors));
  for (const operation of operations) {
    if (operation.paginated && operation.response && !definitions[operation.response]) {
      definitions[operation.response] = pageSchema(operation.response.replace(/Page$/, ''));
    }
  }
  const model: Model = { definitions, plans, rateLimits, errors, parameters, operations };
  check(model);
  for (const schema of Object.values(definitions)) closeObjects(schema);
  for (const operation of operations) for (const schema of Object.values(operation.query)) closeObjects(schema);
  return model;
}

function pageSchema(item: string): Schema {
  return {
    description: `A page of ${item} items.`,
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', maxItems: 100, items: { $ref: item } },
      nextCursor: { description: 'Cursor of the next page; null on the last page.', $ref: 'Cursor', nullable: true },
    },
  };
}

function toOperation(
  id: string,
  file: string,
  raw: Yaml,
  parameters: Record<string, Schema>,
  errorDefs: Record<string, ErrorDef>,
): Operation {
  const fail = (message: string): never => {
    throw new Error(`operations/${file}.yaml: ${id}: ${message}`);
  };
  for (const key of Object.keys(raw)) if (!OPERATION_KEYS.includes(key)) fail(`unknown key ${key}`);
  const service = (raw.service as string | undefined) ?? file;
  if (!SERVICES.includes(service)) fail(`service must be one of ${SERVICES.join(', ')}`);
  const auth = raw.auth as Auth;
  if (!AUTHS.includes(auth)) fail(`auth must be one of ${AUTHS.join(', ')}`);
  const path = raw.path as string;
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  for (const name of pathParams) if (!parameters[name]) fail(`path parameter ${name} is not in parameters.yaml`);
  const page = raw.page as string | undefined;
  if (page && raw.response) fail('has both page and response');
  const query: Record<string, Schema> = { ...((raw.query as Record<string, Schema> | undefined) ?? {}) };
  if (page) Object.assign(query, { limit: { $ref: 'Limit' }, cursor: { $ref: 'Cursor' } });
  const body = raw.body as string | undefined;
  const successStatus = (raw.successStatus as number | undefined) ?? 200;
  const response = page ? `${page}Page` : (raw.response as string | undefined);
  if ((successStatus === 204) !== (response === undefined)) fail('a response is needed exactly when not 204');

  const operation: Operation = {
    id,
    service,
    method: String(raw.method).toUpperCase(),
    path,
    summary: (raw.summary as string | undefined) ?? fail('summary is required'),
    description: (raw.description as string | undefined) ?? fail('description is required'),
    auth,
    scope: raw.scope as string | undefined,
    successStatus,
    idempotent: raw.idempotent === true,
    body,
    bodyRequired: body !== undefined && raw.bodyRequired !== false,
    query,
    pathParams,
    response,
    paginated: page !== undefined,
    errors: [],
    ...(raw.degradedStatus !== undefined ? { degradedStatus: Number(raw.degradedStatus) } : {}),
  };
  operation.errors = errorCodes(operation, (raw.errors as string[] | undefined) ?? []);
  for (const code of operation.errors) if (!errorDefs[code]) fail(`unknown error code ${code}`);
  return operation;
}

/** The error codes every operation of this kind may answer, plus the ones the YAML lists. */
function errorCodes(operation: Operation, extra: string[]): string[] {
  const codes = new Set<string>();
  // A health route's (auth none) path parameter is fixed per service: each serves its own path
  // (`/health/organizations`…), so no request reaches a function with a value to refuse.
  const validatesPath = operation.pathParams.length > 0 && operation.auth !== 'none';
  const hasInput = operation.body || Object.keys(operation.query).length > 0 || validatesPath;
  if (hasInput) codes.add('VALIDATION_FAILED');
  if (operation.auth !== 'none') {
    codes.add('UNAUTHENTICATED');
    codes.add('FORBIDDEN');
  }
  if (operation.pathParams.length > 0) codes.add('NOT_FOUND');
  for (const code of extra) codes.add(code);
  // Every route with a credential is rate limited (contract §5); health checks are not.
  if (operation.auth !== 'none') codes.add('RATE_LIMITED');
  if (operation.idempotent) codes.add('IDEMPOTENCY_KEY_REUSED');
  if (operation.body) {
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  codes.add('INTERNAL');
  // Any route may meet an overloaded or timed-out dependency (contract §8), unless it reports it in its own body.
  if (operation.degradedStatus === undefined) codes.add('SERVICE_UNAVAILABLE');
  return [...codes];
}

/** Every $ref resolves, every string is bounded, nested objects are named definitions. */
function check(model: Model): void {
  const visit = (schema: Schema, where: string, nested: boolean): void => {
    if (schema.$ref !== undefined && !model.definitions[schema.$ref]) {
      throw new Error(`${where}: unknown $ref ${schema.$ref}`);
    }
    if (schema.type === 'string' && !schema.enum && schema.maxLength === undefined && !schema.$ref) {
      throw new Error(`${where}: a string needs maxLength or enum`);
    }
    if (schema.type === 'string' && !schema.enum && !schema.$ref && !schema.format && !schema.pattern) {
      throw new Error(`${where}: a string needs a format, a pattern or an enum`);
    }
    if ((schema.type === 'integer' || schema.type === 'number') && !schema.$ref) {
      if (!schema.format || schema.minimum === undefined || schema.maximum === undefined) {
        throw new Error(`${where}: a number needs a format, a minimum and a maximum`);
      }
    }
    if (nested && schema.properties) throw new Error(`${where}: nested objects must be named definitions ($ref)`);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      visit(property, `${where}.${name}`, true);
    }
    if (schema.required) {
      for (const name of schema.required) {
        if (!schema.properties?.[name]) throw new Error(`${where}: required ${name} is not a property`);
      }
    }
    if (schema.items) visit(schema.items, `${where}[]`, true);
    if (typeof schema.additionalProperties === 'object') visit(schema.additionalProperties, `${where}{}`, true);
    if (schema.propertyNames) visit(schema.propertyNames, `${where} keys`, true);
  };
  for (const [name, schema] of Object.entries(model.definitions)) visit(schema, name, false);
  for (const [name, schema] of Object.entries(model.parameters)) visit(schema, `parameter ${name}`, true);
  const keyModes = model.definitions.KeyMode?.enum ?? [];
  for (const [plan, limits] of Object.entries(model.plans)) {
    if (!keyModes.includes(limits.keyMode)) throw new Error(`plans.yaml: ${plan}: keyMode must be one of KeyMode`);
    if (!Number.isInteger(limits.customRoles) || limits.customRoles < 0)
      throw new Error(`plans.yaml: ${plan}: customRoles must be a whole number, 0 or more`);
  }
  checkRateLimits(model);
  const routes = new Set<string>();
  const ids = new Set<string>();
  for (const operation of model.operations) {
    const route = `${operation.method} ${operation.path}`;
    if (ids.has(operation.id) || routes.has(route)) throw new Error(`${operation.id}: ${route} is declared twice`);
    ids.add(operation.id);
    routes.add(route);
    for (const name of [operation.body, operation.response]) {
      if (name && !model.definitions[name]) throw new Error(`${operation.id}: unknown definition ${name}`);
    }
    for (const [name, schema] of Object.entries(operation.query)) visit(schema, `${operation.id}?${name}`, true);
  }
}

function checkRate(rate: RateDef | undefined, where: string): void {
  const whole = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (!rate || !whole(rate.rps) || !whole(rate.burst) || rate.burst < rate.rps) {
    throw new Error(`${where}: needs rps and burst, whole numbers above 0, burst at least rps`);
  }
  if (!Number.isInteger(rate.burst / rate.rps))
    throw new Error(`${where}: burst must be a multiple of rps (whole-second windows)`);
}

/** Every plan has its rateLimit; rate-limits.yaml has user, staff, anonymous and per-hour limits of real operations. */
function checkRateLimits(model: Model): void {
  for (const [plan, limits] of Object.entries(model.plans))
    checkRate(limits.rateLimit, `plans.yaml: ${plan}.rateLimit`);
  // The window is part of a counter's key, chosen before the organization (and so its plan) is read.
  const windows = new Set(Object.values(model.plans).map(({ rateLimit }) => rateLimit.burst / rateLimit.rps));
  if (windows.size > 1) throw new Error('plans.yaml: every plan needs the same burst / rps (one window length)');
  const { rateLimits } = model;
  for (const kind of ['user', 'staff', 'anonymous'] as const) checkRate(rateLimits[kind], `rate-limits.yaml: ${kind}`);
  const ids = new Set(model.operations.map((operation) => operation.id));
  for (const [id, limit] of Object.entries(rateLimits.perUserPerHour ?? {})) {
    if (!ids.has(id)) throw new Error(`rate-limits.yaml: perUserPerHour.${id} is not an operation`);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new Error(`rate-limits.yaml: perUserPerHour.${id} must be above 0`);
  }
}

/** Objects accept no property they do not declare, unless the YAML says otherwise. */
function closeObjects(schema: Schema): void {
  if (schema.type === 'object' && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const property of Object.values(schema.properties ?? {})) closeObjects(property);
  if (schema.items) closeObjects(schema.items);
  if (typeof schema.additionalProperties === 'object') closeObjects(schema.additionalProperties);
}
