// Rate limits (contract §5, docs/adr/0003-rate-limits.md): the quotas from schemas/, the counter keys,
// the verdicts, and the limiter in the real route stack with an in-memory counter store and a fake
// layer 2 (the DynamoDB side is covered through the base URL in tests/integration/rate-limits.test.ts).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readVariable } from '@tenantry/config';
import { restoreEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { planLimits, rateLimits } from '@tenantry/models';
import {
  type Counter,
  type CounterStore,
  ceilingOf,
  configureSecurity,
  counterKey,
  logger,
  quotaOf,
  rateLimitScale,
  resetRateLimitMemory,
  resetSecurityConfig,
  route,
  shardsOf,
  verdictOf,
  windowOf,
  windowStartOf,
} from '../../src/index';
import { countersOf } from '../../src/middleware/rateLimit';
import { call } from '../../src/testing';
import {
  FakeStore,
  fakeApiKeyResolver,
  fakeModels,
  fakeToken,
  fakeVerifier,
  membership,
  organization,
  RecordingOutbox,
  userResolverFor,
} from '../support/fakes';

logger.setLogLevel('SILENT');

beforeEach(() => stubStageEnv());
afterEach(() => restoreEnv());

/** Counts per counter (`kind#subject`), whatever the window: a unit test must not depend on the clock. */
class MemoryCounters implements CounterStore {
  counts = new Map<string, number>();
  log: string[] = [];
  /** Resolves each increment only when the test says so (to observe what runs meanwhile). */
  hold: Promise<void> | undefined;

  static subject(key: string): string {
    return key.split('#').slice(0, 2).join('#');
  }
  set(counter: Counter, count: number): void {
    this.counts.set(`${counter.kind}#${counter.subject}`, count);
  }
  get(counter: Counter): number {
    return this.counts.get(`${counter.kind}#${counter.subject}`) ?? 0;
  }
  async increment(key: string, ceiling: number): Promise<number | undefined> {
    this.log.push(`increment ${MemoryCounters.subject(key)}`);
    await this.hold;
    const subject = MemoryCounters.subject(key);
    const count = this.counts.get(subject) ?? 0;
    if (count >= ceiling) return undefined;
    this.counts.set(subject, count + 1);
    return count + 1;
  }
  async decrement(key: string): Promise<void> {
    this.log.push(`decrement ${MemoryCounters.subject(key)}`);
    const subject = MemoryCounters.subject(key);
    this.counts.set(subject, Math.max(0, (this.counts.get(subject) ?? 0) - 1));
  }
}

describe('the limits of schemas/', () => {
  it('give each plan rps with a burst of twice that, per organization and per API key', () => {
    expect(planLimits.STARTER.rateLimit).toEqual({ rps: 20, burst: 40 });
    expect(planLimits.PRO.rateLimit).toEqual({ rps: 200, burst: 400 });
    expect(planLimits.ENTERPRISE.rateLimit).toEqual({ rps: 1000, burst: 2000 });
    for (const kind of ['organization', 'apiKey'] as const) {
      expect(quotaOf({ kind, subject: 'x' }, 'PRO', 1)).toEqual({ limit: 400, windowSeconds: 2 });
    }
  });

  it('limit users, staff and anonymous callers, and creates per user per hour', () => {
    expect(quotaOf({ kind: 'user', subject: 'u' }, undefined, 1)).toEqual({ limit: 40, windowSeconds: 2 });
    expect(quotaOf({ kind: 'staff', subject: 'u' }, undefined, 1).limit).toBeGreaterThan(
      quotaOf({ kind: 'user', subject: 'u' }, undefined, 1).limit,
    );
    expect(quotaOf({ kind: 'anonymous', subject: '127.0.0.1' }, undefined, 1)).toEqual({
      limit: rateLimits.anonymous.burst,
      windowSeconds: 2,
    });
    expect(
      quotaOf({ kind: 'hourly', subject: 'createOrganization:u', operation: 'createOrganization' }, undefined, 1),
    ).toEqual({
      limit: rateLimits.perUserPerHour.createOrganization,
      windowSeconds: 3600,
    });
  });

  it('are multiplied by RATE_LIMIT_SCALE, which can only raise them (anything else is a configuration error)', () => {
    expect(readVariable('RATE_LIMIT_SCALE', { RATE_LIMIT_SCALE: '50' })).toBe(50);
    for (const value of [undefined, '0.5', '-3', 'lots', ''])
      expect(() => readVariable('RATE_LIMIT_SCALE', { RATE_LIMIT_SCALE: value })).toThrow('RATE_LIMIT_SCALE');
    expect(quotaOf({ kind: 'organization', subject: 'o' }, 'STARTER', 50).limit).toBe(2000);
  });

  it('judge an organization whose plan is unknown by the smallest plan, and stop counting at the largest', () => {
    expect(quotaOf({ kind: 'organization', subject: 'o' }, 'GOLD', 1).limit).toBe(40);
    expect(ceilingOf({ kind: 'organization', subject: 'o' }, 1)).toBe(2000);
    expect(ceilingOf({ kind: 'user', subject: 'u' }, 1)).toBe(40);
  });

  it('split only the counters of plans near the per-item write rate', () => {
    expect(shardsOf({ kind: 'organization', subject: 'o' }, 'STARTER')).toBe(1);
    expect(shardsOf({ kind: 'organization', subject: 'o' }, 'PRO')).toBe(1);
    expect(shardsOf({ kind: 'apiKey', subject: 'k' }, 'ENTERPRISE')).toBe(2);
    expect(shardsOf({ kind: 'organization', subject: 'o' }, undefined)).toBe(1);
    expect(shardsOf({ kind: 'staff', subject: 's' }, 'ENTERPRISE')).toBe(1);
  });
});

describe('counter keys and windows', () => {
  it('name the kind, the subject, the window and the shard', () => {
    const counter: Counter = { kind: 'organization', subject: 'org_1' };
    expect(counterKey(counter, 1_700_000_000)).toBe('organization#org_1#1700000000');
    expect(counterKey(counter, 1_700_000_000, 1)).toBe('organization#org_1#1700000000#1');
  });

  it('align windows on their length', () => {
    expect(windowStartOf(2, 1_700_000_001_999)).toBe(1_700_000_000);
    expect(windowStartOf(2, 1_700_000_002_000)).toBe(1_700_000_002);
    expect(windowStartOf(3600, 1_700_000_001_000)).toBe(1_699_999_200);
    expect(windowOf({ kind: 'apiKey', subject: 'k' }, 1)).toBe(2);
  });
});

describe('a verdict', () => {
  const take = (count: number, shards = 1) => ({
    counter: { kind: 'organization', subject: 'o' } as Counter,
    key: 'k',
    shards,
    windowStart: 100,
    windowSeconds: 2,
    count,
    written: true,
  });

  it('admits up to the quota exactly and refuses the next request', () => {
    const quota = { limit: 40, windowSeconds: 2 };
    expect(verdictOf(take(39), quota, 100_500)).toEqual({ allowed: true, limit: 40, remaining: 1, resetSeconds: 2 });
    expect(verdictOf(take(40), quota, 100_500)).toEqual({ allowed: true, limit: 40, remaining: 0, resetSeconds: 2 });
    expect(verdictOf(take(41), quota, 101_900)).toEqual({ allowed: false, limit: 40, remaining: 0, resetSeconds: 1 });
    expect(verdictOf(take(Number.POSITIVE_INFINITY), quota, 100_000).allowed).toBe(false);
  });

  it('gives each shard its share of the quota', () => {
    const quota = { limit: 2000, windowSeconds: 2 };
    expect(verdictOf(take(1000, 2), quota, 100_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(verdictOf(take(1001, 2), quota, 100_000)).toMatchObject({ allowed: false });
    expect(verdictOf(take(10, 2), quota, 100_000)).toMatchObject({ remaining: 1980 });
  });
});

describe('the counters of a request', () => {
  const user = { kind: 'user', id: 'alice', email: undefined, emailVerified: true, groups: [] } as const;
  const staff = { ...user, id: 'sam', groups: ['EMPLOYEE'] } as const;
  const key = { kind: 'application', id: 'app1', organizationId: 'acme', scopes: ['applications:self'] } as const;

  it('are the organization for a user inside one, the user elsewhere', () => {
    expect(countersOf(user, 'organization:read', 'getOrganization', { orgId: 'acme' }, 'orgId')).toEqual({
      counters: [{ kind: 'organization', subject: 'acme' }],
      organizationId: 'acme',
    });
    expect(countersOf(user, 'me:read', 'listMyOrganizations', {}, 'orgId').counters).toEqual([
      { kind: 'user', subject: 'alice' },
    ]);
    // An organization id that cannot exist is no organization's counter.
    expect(countersOf(user, 'organization:read', 'getOrganization', { orgId: 'a#b' }, 'orgId').counters).toEqual([
      { kind: 'user', subject: 'alice' },
    ]);
  });

  it('are the key itself for an API key, and the staff user for platform staff', () => {
    expect(countersOf(key, 'applications:self', 'getCallingApplication', {}, 'orgId')).toEqual({
      counters: [{ kind: 'apiKey', subject: 'app1' }],
      organizationId: 'acme',
    });
    expect(countersOf(staff, 'organization:read', 'getOrganization', { orgId: 'acme' }, 'orgId').counters).toEqual([
      { kind: 'staff', subject: 'sam' },
    ]);
  });

  it('add the hourly abuse counter to the creates that have one', () => {
    expect(countersOf(user, 'organization:create', 'createOrganization', {}, 'orgId').counters).toEqual([
      { kind: 'user', subject: 'alice' },
      { kind: 'hourly', subject: 'createOrganization:alice', operation: 'createOrganization' },
    ]);
    expect(countersOf(user, 'invitations:manage', 'createInvitation', { orgId: 'acme' }, 'orgId').counters).toEqual([
      { kind: 'organization', subject: 'acme' },
      { kind: 'hourly', subject: 'createInvitation:alice', operation: 'createInvitation' },
    ]);
  });
});

describe('the limiter in the route stack', () => {
  const models = fakeModels({
    getOrganization: { method: 'GET', path: '/organizations/{orgId}' },
    listMyOrganizations: { method: 'GET', path: '/me/organizations' },
    getCallingApplication: { method: 'GET', path: '/applications/me' },
  });
  let counters: MemoryCounters;
  let layer2: FakeStore;
  let outbox: RecordingOutbox;
  let executed: string[];

  beforeEach(() => {
    resetSecurityConfig();
    resetRateLimitMemory();
    counters = new MemoryCounters();
    layer2 = new FakeStore()
      .add(organization('acme'), membership('acme', 'alice', 'ADMIN'))
      .add(organization('pro', { plan: 'PRO' }), membership('pro', 'alice', 'ADMIN'))
      .add(organization('globex'), membership('globex', 'bob', 'OWNER'));
    outbox = new RecordingOutbox();
    executed = [];
    configureSecurity({
      models,
      organizationStore: layer2,
      eventOutbox: outbox,
      rateLimitStore: counters,
      resolvers: {
        user: userResolverFor(fakeVerifier({ alice: {}, bob: {}, sam: { groups: ['EMPLOYEE'] } })),
        application: fakeApiKeyResolver({
          'key-acme': { kind: 'application', id: 'app1', organizationId: 'acme', scopes: ['applications:self'] },
        }),
      },
    });
  });

  const getOrganization = route({ operation: 'getOrganization', action: 'organization:read' }, async ({ context }) => {
    executed.push(`getOrganization ${context.organizationId}`);
    return { body: { id: context.organizationId } };
  });
  const listMine = route({ operation: 'listMyOrganizations', action: 'me:read' }, async () => {
    executed.push('listMyOrganizations');
    return { body: { items: [] } };
  });
  const callingApplication = route(
    { operation: 'getCallingApplication', action: 'applications:self' },
    async ({ context }) => {
      executed.push(`getCallingApplication ${context.principal.id}`);
      return { body: { id: context.principal.id } };
    },
  );
  const org = (orgId: string, user = 'alice') => ({
    token: fakeToken(user),
    path: `/organizations/${orgId}`,
    pathParameters: { orgId },
  });
  const acme: Counter = { kind: 'organization', subject: 'acme' };

  it('starts the counter before layer 2 has answered, and judges after both', async () => {
    let release!: () => void;
    counters.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loads = layer2.loads;
    const pending = call(getOrganization, org('acme'));
    // The counter's ADD is in flight and layer 2 has read too: they run side by side.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counters.log).toEqual(['increment organization#acme']);
    expect(layer2.loads).toBe(loads + 1);
    expect(executed).toEqual([]);
    release();
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(executed).toEqual(['getOrganization acme']);
  });

  it('answers every request with the RateLimit fields of its counter', async () => {
    counters.set(acme, 10);
    const response = await call(getOrganization, org('acme'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['ratelimit-limit']).toBe(String(40 * rateLimitScale()));
    expect(response.headers['ratelimit-remaining']).toBe(String(40 * rateLimitScale() - 11));
    expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    expect(Number(response.headers['ratelimit-reset'])).toBeLessThanOrEqual(2);
  });

  it('admits the last request of the quota and refuses the next with 429, Retry-After, and nothing executed', async () => {
    const limit = 40 * rateLimitScale();
    counters.set(acme, limit - 1);
    const last = await call(getOrganization, org('acme'));
    expect(last.statusCode).toBe(200);
    expect(last.headers['ratelimit-remaining']).toBe('0');
    const refused = await call<{ error: { code: string } }>(getOrganization, org('acme'));
    expect(refused.statusCode).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-limit']).toBe(String(limit));
    expect(executed).toEqual(['getOrganization acme']);
  });

  it('judges an organization by its own plan', async () => {
    const pro: Counter = { kind: 'organization', subject: 'pro' };
    counters.set(pro, 41 * rateLimitScale());
    expect((await call(getOrganization, org('pro'))).statusCode).toBe(200);
    counters.set(acme, 41 * rateLimitScale());
    expect((await call(getOrganization, org('acme'))).statusCode).toBe(429);
  });

  it('keeps organizations apart: one at its limit leaves another unaffected', async () => {
    counters.set(acme, 1_000_000);
    expect((await call(getOrganization, org('acme'))).statusCode).toBe(429);
    expect((await call(getOrganization, org('globex', 'bob'))).statusCode).toBe(200);
  });

  it("gives a stranger's request back to the organization and counts it against the stranger", async () => {
    counters.set(acme, 5);
    const response = await call(getOrganization, org('acme', 'bob'));
    expect(response.statusCode).toBe(404);
    expect(counters.get(acme)).toBe(5);
    expect(counters.get({ kind: 'user', subject: 'bob' })).toBe(1);
    expect(response.headers['ratelimit-limit']).toBe(String(rateLimits.user.burst * rateLimitScale()));
  });

  it('refuses a stranger above their own limit with 429 whether the organization exists or not', async () => {
    counters.set({ kind: 'user', subject: 'bob' }, 1_000_000);
    expect((await call(getOrganization, org('acme', 'bob'))).statusCode).toBe(429);
    expect((await call(getOrganization, org('nowhere', 'bob'))).statusCode).toBe(429);
    expect(counters.get(acme)).toBe(0);
  });

  it('limits a user on /me/* by their own counter, apart from their organizations', async () => {
    counters.set({ kind: 'user', subject: 'alice' }, 1_000_000);
    expect((await call(listMine, { token: fakeToken('alice') })).statusCode).toBe(429);
    expect((await call(getOrganization, org('acme'))).statusCode).toBe(200);
    expect((await call(listMine, { token: fakeToken('bob') })).statusCode).toBe(200);
  });

  it("limits an API key by its own counter, independent of its organization's users", async () => {
    counters.set(acme, 1_000_000);
    expect((await call(getOrganization, org('acme'))).statusCode).toBe(429);
    expect((await call(callingApplication, { apiKey: 'key-acme' })).statusCode).toBe(200);
    counters.set({ kind: 'apiKey', subject: 'app1' }, 1_000_000);
    expect((await call(callingApplication, { apiKey: 'key-acme' })).statusCode).toBe(429);
    expect((await call(getOrganization, org('globex', 'bob'))).statusCode).toBe(200);
  });

  it('limits platform staff at their own, higher rate, and audits nothing it refuses', async () => {
    const sam: Counter = { kind: 'staff', subject: 'sam' };
    counters.set(acme, 1_000_000);
    const staffRead = await call(getOrganization, org('acme', 'sam'));
    expect(staffRead.statusCode).toBe(200);
    expect(staffRead.headers['ratelimit-limit']).toBe(String(rateLimits.staff.burst * rateLimitScale()));
    expect(outbox.events).toHaveLength(1);
    counters.set(sam, 1_000_000);
    expect((await call(getOrganization, org('acme', 'sam'))).statusCode).toBe(429);
    expect(outbox.events).toHaveLength(1);
  });

  it('counts a request without a verified credential against its source IP', async () => {
    const response = await call(getOrganization, { path: '/organizations/acme', pathParameters: { orgId: 'acme' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['ratelimit-limit']).toBe(String(rateLimits.anonymous.burst * rateLimitScale()));
    expect(counters.get({ kind: 'anonymous', subject: '127.0.0.1' })).toBe(1);
    counters.set({ kind: 'anonymous', subject: '127.0.0.1' }, 1_000_000);
    const refused = await call(getOrganization, { path: '/organizations/acme', pathParameters: { orgId: 'acme' } });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('stops counting at the ceiling and still refuses', async () => {
    counters.set(acme, ceilingOf(acme));
    expect((await call(getOrganization, org('acme'))).statusCode).toBe(429);
    expect(counters.get(acme)).toBe(ceilingOf(acme));
  });
});
