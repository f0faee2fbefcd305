import { describe, expect, it } from 'vitest';
import { configureSecurity, logger, resetSecurityConfig, route } from '../../src/index';
import { httpEvent, lambdaContext } from '../../src/testing';
import { FakeStore, fakeToken, fakeVerifier, membership, organization, userResolverFor } from '../support/fakes';

logger.setLogLevel('SILENT');

describe('per-request cost of the stack', () => {
  it('adds well under a millisecond per request (fake token check and store, real validators)', async () => {
    resetSecurityConfig();
    const store = new FakeStore().add(organization('acme'), membership('acme', 'alice', 'ADMIN'));
    configureSecurity({ organizationStore: store, resolvers: { user: userResolverFor(fakeVerifier({ alice: {} })) } });
    const handler = route({ operation: 'updateOrganization', action: 'organization:update' }, async ({ body }) => ({
      body,
    }));
    const event = httpEvent({
      method: 'PATCH',
      token: fakeToken('alice'),
      pathParameters: { orgId: 'acme' },
      body: { name: 'Acme' },
    });
    for (let i = 0; i < 200; i++) await handler(event, lambdaContext());
    const runs = 2000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await handler(event, lambdaContext());
    const perRequestMs = (performance.now() - started) / runs;
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    expect(store.loads).toBe(runs + 201);
    console.info(`stack overhead: ${perRequestMs.toFixed(3)} ms per request`);
    expect(perRequestMs).toBeLessThan(2);
  });
});
