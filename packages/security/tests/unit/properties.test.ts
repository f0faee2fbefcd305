import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import fc from 'fast-check';
import { configureSecurity, logger, resetSecurityConfig, route } from '../../src/index';
import { cachedOrganizationStore } from '../../src/organization';
import {
  ACTIONS,
  type Action,
  decide,
  ORGANIZATION_ROLES,
  ORGANIZATION_STATUSES,
  PLATFORM_GROUPS,
  type PlatformGroup,
  permissions,
  roleAtLeast,
} from '../../src/permissions';
import { call, memoryCounterStore } from '../../src/testing';
import {
  FakeStore,
  fakeModels,
  fakeToken,
  fakeVerifier,
  membership,
  organization,
  userResolverFor,
} from '../support/fakes';

logger.setLogLevel('SILENT');

beforeEach(() => stubStageEnv());
afterEach(() => restoreEnv());

const action = fc.constantFrom(...ACTIONS);
const organizationAction = fc.constantFrom(...ACTIONS.filter((a) => permissions[a].scope === 'organization'));
const role = fc.constantFrom(...ORGANIZATION_ROLES);
const status = fc.constantFrom(...ORGANIZATION_STATUSES);
const groups = fc.uniqueArray(fc.constantFrom(...PLATFORM_GROUPS), { maxLength: 3 });
const orgId = fc.stringMatching(/^[a-z0-9]{1,8}$/);

describe('properties of the three layers', () => {
  it('a higher role is allowed everything a lower role is', () => {
    fc.assert(
      fc.property(action, role, role, status, groups, (a: Action, low, high, s, g) => {
        fc.pre(roleAtLeast(high, low));
        const input = (r: string) => ({
          principal: { kind: 'user' as const, groups: g },
          organizationId: 'o',
          organization: { status: s },
          membership: { role: r, status: 'ACTIVE' },
        });
        if (decide(a, input(low)).allowed) expect(decide(a, input(high)).allowed).toBe(true);
      }),
    );
  });

  it('nothing granted in organization A ever applies to organization B', () => {
    fc.assert(
      fc.property(organizationAction, role, status, orgId, orgId, groups, (a, r, s, orgA, orgB, g) => {
        fc.pre(orgA !== orgB);
        // Without a platform grant, a membership in A (the only one the caller has) never opens B:
        const noStaff = g.filter((group) => group === 'CUSTOMER') as PlatformGroup[];
        const inB = decide(a, {
          principal: { kind: 'user', groups: noStaff },
          organizationId: orgB,
          organization: { status: s },
          membership: undefined,
        });
        expect(inB).toMatchObject({ allowed: false, deny: 'NOT_FOUND' });
        // An API key of A never acts in B, whatever its scopes.
        const key = decide(a, {
          principal: { kind: 'application', organizationId: orgA, scopes: ['notifications:send', 'applications:self'] },
          organizationId: orgB,
          organization: { status: s },
        });
        expect(key.allowed).toBe(false);
        expect(r).toBeDefined();
      }),
    );
  });

  it('through the whole stack, a membership in A never opens B (cache on or off)', async () => {
    const handlers = new Map(
      ACTIONS.filter((a) => permissions[a].scope === 'organization').map((a) => [
        a,
        route({ operation: 'op', action: a, idempotent: false }, async () => ({ body: { ok: true } })),
      ]),
    );
    await fc.assert(
      fc.asyncProperty(organizationAction, role, status, fc.boolean(), async (a, r, s, cached) => {
        resetSecurityConfig();
        configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
        const store = new FakeStore()
          .add(organization('orga'), membership('orga', 'u1', r))
          .add(organization('orgb', { status: s }), membership('orgb', 'someone', 'OWNER'));
        configureSecurity({
          models: fakeModels({ op: { method: 'POST', path: '/x', body: () => [] } }),
          organizationStore: cached ? cachedOrganizationStore(store, { ttlSeconds: 60 }) : store,
          resolvers: { user: userResolverFor(fakeVerifier({ u1: {} })) },
        });
        const handler = handlers.get(a)!;
        await call(handler, { token: fakeToken('u1'), method: 'POST', pathParameters: { orgId: 'orga' }, body: {} });
        const inB = await call(handler, {
          token: fakeToken('u1'),
          method: 'POST',
          pathParameters: { orgId: 'orgb' },
          body: {},
        });
        expect(inB.statusCode).toBe(404);
      }),
      { numRuns: 60 },
    );
  });

  it('the CUSTOMER group grants nothing by itself', () => {
    fc.assert(
      fc.property(action, groups, fc.option(role, { nil: undefined }), status, (a, g, r, s) => {
        const input = (gs: PlatformGroup[]) => ({
          principal: { kind: 'user' as const, groups: gs },
          organizationId: 'o',
          organization: { status: s },
          membership: r ? { role: r, status: 'ACTIVE' } : undefined,
        });
        const without = g.filter((group) => group !== 'CUSTOMER');
        expect(decide(a, input([...without, 'CUSTOMER']))).toEqual(decide(a, input(without)));
      }),
    );
  });

  it('a platform grant on organization data is always reported as platform access (so it is audited)', () => {
    fc.assert(
      fc.property(organizationAction, groups, status, (a, g, s) => {
        const decision = decide(a, {
          principal: { kind: 'user', groups: g },
          organizationId: 'o',
          organization: { status: s },
          membership: undefined,
        });
        if (decision.allowed) expect(decision.access).toBe('platform');
      }),
    );
  });
});
