import { environmentContract, type VariableName } from './contract';

type Contract = typeof environmentContract;
type ValueOf<K extends VariableName> = Contract[K] extends { parse: (raw: string) => infer T | undefined }
  ? Contract[K] extends { unset: { value: infer U } }
    ? T | U
    : T
  : never;

/** The configuration of this function, one property per variable of the contract. */
export type Config = { readonly [K in VariableName]: ValueOf<K> };

type Env = Record<string, string | undefined>;

/** A variable of the contract is missing or malformed: a deployment error, named, never a request error. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    readonly variables: string[],
    problems: string[],
  ) {
    super(`configuration: ${problems.join('; ')}`);
  }
}

function problemOf(name: VariableName, raw: string | undefined): string {
  return raw === undefined || raw === ''
    ? `environment variable ${name} is not set`
    : `environment variable ${name} is malformed: ${JSON.stringify(raw)} is not ${environmentContract[name].expected}`;
}

/** One variable from `env`: parsed, its explicit default when unset and optional, else a ConfigurationError. */
export function readVariable<K extends VariableName>(name: K, env: Env = process.env): ValueOf<K> {
  const variable: { parse: (raw: string) => unknown; unset?: { value: unknown } } = environmentContract[name];
  const raw = env[name];
  // An empty value is unset: locally, serverless-offline gives every function every function-level variable, empty where it set none.
  const value = raw === undefined || raw === '' ? variable.unset : { value: variable.parse(raw) };
  if (value === undefined || (raw && value.value === undefined))
    throw new ConfigurationError([name], [problemOf(name, raw)]);
  return value.value as ValueOf<K>;
}

/** Every variable from `env` at once; the error names every missing or malformed one. */
export function readConfig(env: Env = process.env): Config {
  const values: Partial<Record<VariableName, unknown>> = {};
  const failed: VariableName[] = [];
  for (const name of Object.keys(environmentContract) as VariableName[]) {
    try {
      values[name] = readVariable(name, env);
    } catch {
      failed.push(name);
    }
  }
  if (failed.length > 0)
    throw new ConfigurationError(
      failed,
      failed.map((name) => problemOf(name, env[name])),
    );
  return values as Config;
}

let cache = new Map<VariableName, unknown>();

/**
 * The configuration of this process from `process.env`: each variable is read and checked on first
 * use and kept; a missing or malformed one throws a {@link ConfigurationError} naming it. A variable of
 * a function's own environment (`source: 'function'`) is read at each use instead: locally, the
 * functions of a service share one process and each brings its own value.
 *
 * @example
 * ```ts
 * const endpoint = config.DYNAMODB_ENDPOINT; // string | undefined; undefined deployed
 * ```
 */
export const config: Config = Object.defineProperties(
  {},
  Object.fromEntries(
    (Object.keys(environmentContract) as VariableName[]).map((name) => [
      name,
      {
        enumerable: true,
        get: () => {
          if (environmentContract[name].source === 'function') return readVariable(name);
          if (!cache.has(name)) cache.set(name, readVariable(name));
          return cache.get(name);
        },
      },
    ]),
  ),
) as Config;

/**
 * Checks the whole environment now (a function's first invocation: `job()` and `route()` of
 * `@tenantry/security`), so a deployment that lacks a variable fails at once, naming every missing
 * or malformed one, rather than on the first request that happens to need it.
 */
export function checkConfig(): void {
  const all = readConfig();
  for (const name of Object.keys(all) as VariableName[]) {
    if (environmentContract[name].source !== 'function') cache.set(name, all[name]);
  }
}

/** Tests only: forget the values read (`stubEnv`/`restoreEnv` of @tenantry/local-platform/testing call it). */
export function resetConfig(): void {
  cache = new Map();
}
