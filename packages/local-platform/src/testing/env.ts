// Environment variables for one test: `stubEnv` sets (or, with undefined, deletes) a variable and
// remembers its value from before the first stub; `restoreEnv` (in an afterEach or a finally) puts
// every stubbed variable back. jest has no `vi.stubEnv`; this is the house's replacement.
// Both make @tenantry/config read the variables again (it otherwise reads each once per process).

import { environmentContract, resetConfig, type Variable, type VariableName } from '@tenantry/config';

const saved = new Map<string, string | undefined>();

/** Sets `process.env[name]` (deletes it for undefined) until the next {@link restoreEnv}. */
export function stubEnv(name: string, value: string | undefined): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetConfig();
}

/** Puts back every variable {@link stubEnv} changed since the last restore. */
export function restoreEnv(): void {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
  resetConfig();
}

/** A well-formed value of each variable the contract requires, as one function of a stage `unit` would have it. */
const UNIT_VALUES: Partial<Record<VariableName, string>> = {
  SERVICE_NAME: 'tenantry-unit',
  STAGE: 'unit',
  ORGANIZATIONS_TABLE: 'tenantry-unit-organizations',
  MEMBERSHIPS_TABLE: 'tenantry-unit-memberships',
  APPLICATIONS_TABLE: 'tenantry-unit-applications',
  NOTIFICATIONS_TABLE: 'tenantry-unit-notifications',
  RATE_LIMITS_TABLE: 'tenantry-unit-rate-limits',
  RATE_LIMIT_SCALE: '1',
  IDEMPOTENCY_TABLE: 'tenantry-unit-idempotency',
  EVENT_BUS_NAME: 'tenantry-unit',
  USER_POOL_ID: 'unit_pool',
  AUTH_CLIENT_ID: 'unit-client',
  AUTH_ISSUER: 'http://127.0.0.1:9/unit_pool',
  PLATFORM_KMS_KEY_ID: 'alias/tenantry-unit',
};

/**
 * Every variable the environment contract (`@tenantry/config`) requires, each with a well-formed
 * value of a stage `unit`: what a unit test needs to run code that reads the stage's configuration
 * (a route, a rate limit) without the platform. The optional variables stay unset, so nothing in
 * it points at a running stand-in. Throws if the contract requires a variable this lacks.
 */
export function unitEnvironment(): Record<string, string> {
  const required = (Object.keys(environmentContract) as VariableName[]).filter((name) => {
    const variable: Variable<unknown> = environmentContract[name];
    return variable.unset === undefined;
  });
  const missing = required.filter((name) => UNIT_VALUES[name] === undefined);
  if (missing.length > 0)
    throw new Error(`unitEnvironment: the contract requires ${missing.join(', ')}; give it a unit value here`);
  return Object.fromEntries(required.map((name) => [name, UNIT_VALUES[name]!]));
}

/**
 * {@link stubEnv} of every variable of {@link unitEnvironment}, then of `overrides` (undefined
 * deletes one), until the next {@link restoreEnv}. Call it in the `beforeEach` of a unit test that
 * runs code needing the stage's configuration, so the test passes with `TENANTRY_TEST_PLATFORM=off`
 * and does not depend on the platform's values when it runs.
 *
 * @example
 * ```ts
 * beforeEach(() => stubStageEnv({ RATE_LIMIT_SCALE: '50' }));
 * afterEach(() => restoreEnv());
 * ```
 */
export function stubStageEnv(overrides: Record<string, string | undefined> = {}): void {
  for (const [name, value] of Object.entries({ ...unitEnvironment(), ...overrides })) stubEnv(name, value);
}
