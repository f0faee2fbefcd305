// A container whose environment lacks a variable of the contract refuses every request with 500
// INTERNAL (the generic §8 body) and names the variable in its log: a deployment error, never a
// silent default, never a detail for the client.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { restoreEnv, stubEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { configureSecurity, logger, resetSecurityConfig, route } from '../../src/index';
import { call, memoryCounterStore } from '../../src/testing';
import { FakeStore, fakeModels, fakeToken, fakeVerifier, RecordingOutbox, userResolverFor } from '../support/fakes';

const listOrganizations = () =>
  route({ operation: 'listOrganizations', action: 'organizations:list' }, async () => ({ body: { items: [] } }));
const asStaff = { token: fakeToken('staff') };

let logged: string;
beforeEach(() => {
  stubStageEnv();
  resetSecurityConfig();
  configureSecurity({
    models: fakeModels({ listOrganizations: { method: 'GET', path: '/organizations' } }),
    organizationStore: new FakeStore(),
    eventOutbox: new RecordingOutbox(),
    rateLimitStore: memoryCounterStore(),
    resolvers: { user: userResolverFor(fakeVerifier({ staff: { groups: ['EMPLOYEE'] } })) },
  });
  logged = '';
  jest.spyOn(logger, 'error').mockImplementation((message, fields) => {
    logged += JSON.stringify({ message, error: (fields?.error as Error | undefined)?.message });
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  restoreEnv();
  resetSecurityConfig();
});

describe('a route of a misconfigured container', () => {
  it('answers 500 INTERNAL to its first request and every later one, naming the variable in the log only', async () => {
    stubEnv('EVENT_BUS_NAME', undefined);
    const handler = listOrganizations();

    const first = await call(handler, { ...asStaff, requestId: 'req-1' });
    // The check is made once: the container stays refused (deployed, its environment never changes).
    stubEnv('EVENT_BUS_NAME', 'tenantry-unit');
    const later = await call(handler, { ...asStaff, requestId: 'req-2' });

    for (const [response, requestId] of [
      [first, 'req-1'],
      [later, 'req-2'],
    ] as const) {
      expect(response.statusCode).toBe(500);
      expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'An internal error occurred', requestId } });
    }
    expect(logged).toContain('environment variable EVENT_BUS_NAME is not set');
  });

  it('names a malformed variable too', async () => {
    stubEnv('RATE_LIMIT_SCALE', 'lots');

    expect((await call(listOrganizations(), asStaff)).statusCode).toBe(500);
    expect(logged).toContain('environment variable RATE_LIMIT_SCALE is malformed');
  });

  it('answers normally when every variable is set', async () => {
    const response = await call(listOrganizations(), asStaff);

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ items: [] });
    expect(logged).toBe('');
  });
});
