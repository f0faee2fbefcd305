// Plan limits under concurrency (contract §4): members + pending invitations never exceed the plan.
// DynamoDB Local serializes transactions, so these rounds are deterministic (docs: toolchain note).

import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, eventually, type Reply, type TestUser, testUser } from '@tenantry/local-platform/testing';
import {
  accept,
  auditTypes,
  countersMatch,
  createOrganization,
  invite,
  join,
  randomEmail,
  realCounts,
  setPlan,
} from './support/fixtures';

const CONCURRENT = 100;
const ROUNDS = 5;

/**
 * serverless-offline starts a worker per concurrent request; a cold worker fetches the JWKS from
 * cognito-local, and 100 of them at once time out (401). Warm the function's workers first so the
 * rounds measure the limit, not the local JWKS download.
 */
async function warm(method: string, path: string) {
  const user = await testUser();
  for (let pass = 0; pass < 3; pass++) {
    const replies = await Promise.all(Array.from({ length: CONCURRENT }, () => call(user.token, method, path, {})));
    if (replies.every((reply) => reply.status !== 401)) return;
  }
}

/** Every answer is the one success or a 403 PLAN_LIMIT_REACHED (the stored state is checked by the caller). */
function expectExactlyOneAdmitted(replies: Reply[], success: number) {
  const tally: Record<string, number> = {};
  for (const reply of replies) {
    const answer = reply.status === success ? String(success) : `${reply.status} ${reply.body?.error?.code}`;
    tally[answer] = (tally[answer] ?? 0) + 1;
  }
  expect(tally).toEqual({ [String(success)]: 1, '403 PLAN_LIMIT_REACHED': CONCURRENT - 1 });
}

beforeAll(async () => {
  await warm('POST', '/organizations/org_warmup/invitations');
  await warm('POST', '/me/invitations/inv_warmup/accept');
}, 120_000);

async function expectCountersRight(orgId: string) {
  const counters = await countersMatch(orgId);
  expect(counters.seats).toBe(counters.expectedSeats);
  expect(counters.activeMembers).toBe(counters.expectedActiveMembers);
}

describe('100 concurrent invitations at limit − 1', () => {
  it.each(Array.from({ length: ROUNDS }, (_, round) => round + 1))('round %i admits exactly one', async () => {
    const org = await createOrganization(); // STARTER: 5 seats
    for (let i = 0; i < 3; i++)
      expect((await invite(org.id, org.owner.token, randomEmail(), 'MEMBER')).status).toBe(201);
    // seats = 4 = limit − 1
    const replies = await Promise.all(
      Array.from({ length: CONCURRENT }, () => invite(org.id, org.owner.token, randomEmail(), 'VIEWER')),
    );
    expectExactlyOneAdmitted(replies, 201);
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 4 });
    await expectCountersRight(org.id);
    await eventually(() => auditTypes(org.id), {
      until: (types) => types.includes('plan.limit_reached'),
      timeoutMs: 15_000,
      description: 'the plan.limit_reached audit entry',
    });
  });
});

describe('100 concurrent accepts at limit − 1', () => {
  let invitees: TestUser[];
  beforeAll(async () => {
    invitees = [];
    for (let start = 0; start < CONCURRENT; start += 20) {
      invitees.push(...(await Promise.all(Array.from({ length: 20 }, () => testUser()))));
    }
  }, 120_000);

  it.each(Array.from({ length: 3 }, (_, round) => round + 1))(
    'round %i admits exactly one',
    async () => {
      // A downgrade leaves an organization with more pending invitations than its plan allows:
      // ENTERPRISE with OWNER + 3 members and 100 invitations, then STARTER (5).
      const org = await createOrganization({ plan: 'ENTERPRISE' });
      await Promise.all([join(org, 'MEMBER'), join(org, 'MEMBER'), join(org, 'VIEWER')]);
      const invitations: Reply[] = [];
      for (let start = 0; start < CONCURRENT; start += 10) {
        const batch = invitees.slice(start, start + 10);
        invitations.push(
          ...(await Promise.all(batch.map((user) => invite(org.id, org.owner.token, user.email, 'VIEWER')))),
        );
      }
      expect(invitations.map((reply) => reply.status)).toEqual(Array(CONCURRENT).fill(201));
      await setPlan(org.id, 'STARTER');

      const replies = await Promise.all(
        invitations.map((reply, index) => accept(reply.body.id, invitees[index]!.token)),
      );
      expectExactlyOneAdmitted(replies, 200);
      expect(await realCounts(org.id)).toMatchObject({ members: 5, pending: CONCURRENT - 1 });
      await expectCountersRight(org.id);
      // Over the limit after the downgrade: no new invitation either.
      const blocked = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
      expect(blocked.status).toBe(403);
    },
    60_000,
  );
});
