import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ConfigurationError,
  checkConfig,
  config,
  environmentContract,
  readConfig,
  readVariable,
  resetConfig,
  type VariableName,
} from '../src/index';

/** A complete environment of a deployed function (every required variable set). */
const deployed: Record<string, string> = {
  SERVICE_NAME: 'tenantry-organizations',
  STAGE: 'prod',
  ORGANIZATIONS_TABLE: 'tenantry-prod-organizations',
  MEMBERSHIPS_TABLE: 'tenantry-prod-memberships',
  APPLICATIONS_TABLE: 'tenantry-prod-applications',
  NOTIFICATIONS_TABLE: 'tenantry-prod-notifications',
  RATE_LIMITS_TABLE: 'tenantry-prod-rate-limits',
  RATE_LIMIT_SCALE: '1',
  IDEMPOTENCY_TABLE: 'tenantry-organizations-prod-idempotency',
  EVENT_BUS_NAME: 'tenantry-prod',
  USER_POOL_ID: 'us-east-1_abc',
  AUTH_CLIENT_ID: 'client',
  AUTH_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
  PLATFORM_KMS_KEY_ID: 'alias/tenantry-platform',
};

const errorOf = (read: () => unknown): ConfigurationError => {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('no ConfigurationError');
};

describe('readConfig', () => {
  it('reads a complete deployed environment, with the explicit defaults of the optional variables', () => {
    const read = readConfig(deployed);

    expect(read).toMatchObject({ ORGANIZATIONS_TABLE: 'tenantry-prod-organizations', RATE_LIMIT_SCALE: 1 });
    expect(read).toMatchObject({ DYNAMODB_ENDPOINT: undefined, DYNAMODB_SOCKET_TIMEOUT_MS: 3000 });
    expect(read).toMatchObject({ TENANTRY_FORBID_SCAN: false, NOTIFICATIONS_WORK_BUDGET_MS: 15_000 });
  });

  it('names a missing required variable', () => {
    const { EVENT_BUS_NAME: _, ...withoutBus } = deployed;

    const error = errorOf(() => readConfig(withoutBus));

    expect(error.variables).toEqual(['EVENT_BUS_NAME']);
    expect(error.message).toContain('environment variable EVENT_BUS_NAME is not set');
  });

  it('counts an empty value as missing', () => {
    expect(errorOf(() => readConfig({ ...deployed, AUTH_CLIENT_ID: '' })).variables).toEqual(['AUTH_CLIENT_ID']);
  });

  it('names a malformed variable with the value it got and what it expected', () => {
    const error = errorOf(() => readConfig({ ...deployed, RATE_LIMIT_SCALE: 'lots' }));

    expect(error.variables).toEqual(['RATE_LIMIT_SCALE']);
    expect(error.message).toContain('environment variable RATE_LIMIT_SCALE is malformed: "lots" is not a number ≥ 1');
  });

  it('refuses a malformed optional variable instead of falling back to its default', () => {
    const error = errorOf(() =>
      readConfig({ ...deployed, DYNAMODB_SOCKET_TIMEOUT_MS: '2.5s', DYNAMODB_ENDPOINT: 'nowhere' }),
    );

    expect(error.variables).toEqual(['DYNAMODB_ENDPOINT', 'DYNAMODB_SOCKET_TIMEOUT_MS']);
  });

  it.each([
    ['RATE_LIMIT_SCALE', '0.5'],
    ['DYNAMODB_CONNECTION_TIMEOUT_MS', '0'],
    ['TENANTRY_FORBID_SCAN', 'yes'],
    ['ORG_CONTEXT_CACHE_TTL_SECONDS', '-1'],
    ['NOTIFICATIONS_WORK_BUDGET_MS', '-5'],
    ['AUTH_ISSUER', 'not a url'],
  ] as [VariableName, string][])('refuses %s=%s', (name, raw) => {
    expect(() => readVariable(name, { ...deployed, [name]: raw })).toThrow(`environment variable ${name} is malformed`);
  });

  it('names every problem at once', () => {
    const error = errorOf(() => readConfig({ ...deployed, STAGE: undefined, RATE_LIMIT_SCALE: 'x' }));

    expect(error.variables).toEqual(['STAGE', 'RATE_LIMIT_SCALE']);
  });
});

describe('config (process.env)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetConfig();
  });

  it('reads a variable once and keeps it for the process', () => {
    process.env.EVENT_BUS_NAME = 'first';
    expect(config.EVENT_BUS_NAME).toBe('first');

    process.env.EVENT_BUS_NAME = 'second';

    expect(config.EVENT_BUS_NAME).toBe('first');
    resetConfig();
    expect(config.EVENT_BUS_NAME).toBe('second');
  });

  it('reads a variable of a function’s own environment at each use', () => {
    process.env.NOTIFICATIONS_WORK_BUDGET_MS = '22000';
    expect(config.NOTIFICATIONS_WORK_BUDGET_MS).toBe(22_000);

    process.env.NOTIFICATIONS_WORK_BUDGET_MS = '';

    expect(config.NOTIFICATIONS_WORK_BUDGET_MS).toBe(15_000);
  });

  it('throws on first use of a missing variable, naming it', () => {
    delete process.env.IDEMPOTENCY_TABLE;

    expect(() => config.IDEMPOTENCY_TABLE).toThrow('environment variable IDEMPOTENCY_TABLE is not set');
  });

  it('checkConfig fails at once on any missing variable, before any is used', () => {
    process.env = { ...deployed };
    expect(() => checkConfig()).not.toThrow();

    delete process.env.USER_POOL_ID;
    resetConfig();

    expect(() => checkConfig()).toThrow('environment variable USER_POOL_ID is not set');
  });

  it('checkConfig keeps the values it read', () => {
    process.env = { ...deployed };
    checkConfig();

    process.env.STAGE = 'changed';

    expect(config.STAGE).toBe('prod');
  });
});

describe('the contract', () => {
  it('gives a default only to variables it makes optional, and a function-level variable always has one', () => {
    for (const [name, variable] of Object.entries(environmentContract)) {
      if (variable.source === 'function') expect({ name, unset: 'unset' in variable }).toEqual({ name, unset: true });
      if (variable.source === 'local' || variable.source === 'operator' || variable.source === 'lambda')
        expect({ name, optional: 'unset' in variable }).toEqual({ name, optional: true });
    }
  });
});
