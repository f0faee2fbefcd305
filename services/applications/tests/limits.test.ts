// The plan's application limit under concurrency (contract §4), through the usage item the seats use:
// 100 concurrent creates at limit − 1 admit exactly one, and the counter equals the real count.
// DynamoDB Local serializes transactions, so the rounds are deterministic (docs: toolchain note).
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  applicationItems,
  appPath,
  auditTypes,
  call,
  createApplication,
  createOrganization,
  errorCode,
  eventually,
  type Reply,
  type TestUser,
  testUser,
  usage,
} from './support';

// Many calls per test through a local platform that shares two cores with other runs.
jest.setTimeout(180_000);

const CONCURRENT = 100;
const ROUNDS = 5;
const STARTER_APPLICATIONS = 3;

let owner: TestUser;

/**
 * serverless-offline starts a worker per concurrent request: warm the route's workers first so the
 * rounds measure the limit, not the emulator's cold starts (an answer that is not 201 or 403 fails
 * the round below anyway).
 */
async function warm() {
  const stranger = await testUser();
  const path = `/organizations/org_warmup/applications`;
  for (let pass = 0; pass < 3; pass++) {
    const replies = await Promise.all(
      Array.from({ length: CONCURRENT }, () => call('POST', path, { user: stranger }, { name: 'warm' })),
    );
    if (replies.every((reply) => reply.status === 404)) return;
  }
}

beforeAll(async () => {
  owner = await testUser();
  await warm();
}, 180_000);

/** The counter equals the real number of live applications. */
async function countersMatch(orgId: string) {
  const live = (await applicationItems(orgId)).filter((item) => item.entity === 'Application');
  return { counter: (await usage(orgId))?.applications, live: live.length };
}

describe(`${CONCURRENT} concurrent creates at limit − 1`, () => {
  it.each(Array.from({ length: ROUNDS }, (_, round) => round + 1))(
    'round %i admits exactly one and the counter equals the real count',
    async () => {
      const orgId = await createOrganization(owner); // STARTER: 3 applications
      for (let i = 0; i < STARTER_APPLICATIONS - 1; i++) await createApplication(orgId, owner, `App ${i}`);

      const replies: Reply[] = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          call('POST', `/organizations/${orgId}/applications`, { user: owner }, { name: `Racer ${i}` }),
        ),
      );

      const created = replies.filter((reply) => reply.status === 201);
      const refused = replies.filter((reply) => reply.status === 403);
      expect(created).toHaveLength(1);
      expect(refused).toHaveLength(CONCURRENT - 1);
      for (const reply of refused) expect(errorCode(reply)).toBe('PLAN_LIMIT_REACHED');
      expect(await countersMatch(orgId)).toEqual({ counter: STARTER_APPLICATIONS, live: STARTER_APPLICATIONS });
      // The one admitted has its key; no refused create left a key item behind.
      expect((await call('GET', '/applications/me', { apiKey: created[0]!.body.apiKey })).status).toBe(200);
    },
  );
});

describe('the limit after deletes and downgrades', () => {
  it('a delete frees a slot; a downgrade below usage blocks creates until usage is under the limit', async () => {
    const staff = await testUser({ group: 'OWNER' });
    const orgId = await createOrganization(owner, 'PRO', staff);
    const apps = [];
    for (let i = 0; i < 4; i++) apps.push((await createApplication(orgId, owner, `App ${i}`)).app);
    const downgrade = await call('PUT', `/organizations/${orgId}/plan`, { user: staff }, { plan: 'STARTER' });
    expect(downgrade.status).toBe(200);

    const blocked = await call('POST', `/organizations/${orgId}/applications`, { user: owner }, { name: 'Over' });
    expect([blocked.status, errorCode(blocked)]).toEqual([403, 'PLAN_LIMIT_REACHED']);
    expect(await countersMatch(orgId)).toEqual({ counter: 4, live: 4 });

    for (const app of apps.slice(0, 2))
      expect((await call('DELETE', appPath(orgId, app.id), { user: owner })).status).toBe(204);
    expect(await countersMatch(orgId)).toEqual({ counter: 2, live: 2 });
    const admitted = await call('POST', `/organizations/${orgId}/applications`, { user: owner }, { name: 'Fits' });
    expect(admitted.status).toBe(201);
    expect(await countersMatch(orgId)).toEqual({ counter: 3, live: 3 });
    await eventually(() => auditTypes(orgId), {
      until: (types) => types.includes('plan.limit_reached'),
      timeoutMs: 15_000,
      description: 'the plan.limit_reached audit entry',
    });
  });
});
