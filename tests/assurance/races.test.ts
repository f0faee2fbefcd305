// Races (contract §2, §4, §5, §9): concurrent plan-limited creates of applications, invitations,
// custom roles and accepts; role changes and removals against a transfer of ownership; duplicate Idempotency-Key
// requests, also the same key from two different users. After every round the invariants hold,
// read from the stored items: exactly one OWNER, the organization's `ownerId`; every usage counter
// equals its real count; and no duplicate effect. The per-service tests run the 100-way limit
// rounds (services/*/tests/limits.test.ts); these rounds are smaller and cross the services.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  type Answer,
  changePlan,
  createApplication,
  createOrganization,
  createRole,
  invariants,
  invariantViolations,
  invite,
  join,
  randomEmail,
  recordPart,
  send,
  type TestUser,
  testUser,
} from './support';

jest.setTimeout(300_000);

const CONCURRENT = 20;
const ROUNDS = 3;

let owner: TestUser;
let platformOwner: TestUser;
let rounds = 0;
let failedRounds = 0;

beforeAll(async () => {
  [owner, platformOwner] = await Promise.all([testUser(), testUser({ group: 'OWNER' })]);
}, 60_000);

afterAll(() => recordPart('races', rounds, failedRounds));

/** One race round: `run` fires the concurrent requests and checks; the invariants of `orgIds` after. */
async function round(orgIds: string[], run: () => Promise<void>): Promise<void> {
  rounds++;
  try {
    await run();
    const violations = (await Promise.all(orgIds.map(invariantViolations))).flat();
    expect(violations).toEqual([]);
  } catch (error) {
    failedRounds++;
    throw error;
  }
}

/** `status code` → how many. */
function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = `${answer.status}${answer.body?.error?.code ? ` ${answer.body.error.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Exactly `admits` successes and every other answer a refusal `refusal` — or 503 SERVICE_UNAVAILABLE
 * (the platform busy: nothing executed, contract §8), in which case at most `admits` successes.
 */
function expectAdmitted(answers: Answer[], success: number, refusal: string, admits = 1): number {
  const counts = tally(answers);
  const successes = counts[String(success)] ?? 0;
  const busy = counts['503 SERVICE_UNAVAILABLE'] ?? 0;
  const others = Object.keys(counts).filter(
    (key) => key !== String(success) && key !== refusal && key !== '503 SERVICE_UNAVAILABLE',
  );
  expect({ counts, unexpected: others, successes: busy ? successes <= admits : successes === admits }).toEqual({
    counts,
    unexpected: [],
    successes: true,
  });
  return successes;
}

const burst = (n: number, request: (i: number) => Promise<Answer>): Promise<Answer[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => request(i)));

describe('plan-limited creates under concurrency admit exactly what is left', () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    `round %i: ${CONCURRENT} application creates at the limit − 1 (STARTER: 3)`,
    async () => {
      const org = await createOrganization(owner);
      await Promise.all([createApplication(owner, org.id), createApplication(owner, org.id)]);
      await round([org.id], async () => {
        const answers = await burst(CONCURRENT, () =>
          send(owner, 'POST', `/organizations/${org.id}/applications`, { name: 'Race' }),
        );
        const admitted = expectAdmitted(answers, 201, '403 PLAN_LIMIT_REACHED');
        expect((await invariants(org.id)).applications).toBe(2 + admitted);
      });
    },
  );

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    `round %i: ${CONCURRENT} invitations at the limit − 1 (STARTER: 5 seats)`,
    async () => {
      const org = await createOrganization(owner);
      await Promise.all([1, 2, 3].map(() => invite(owner, org.id, randomEmail(), 'MEMBER')));
      await round([org.id], async () => {
        const answers = await burst(CONCURRENT, () =>
          send(owner, 'POST', `/organizations/${org.id}/invitations`, { email: randomEmail(), role: 'VIEWER' }),
        );
        const admitted = expectAdmitted(answers, 201, '403 PLAN_LIMIT_REACHED');
        expect((await invariants(org.id)).pending).toBe(3 + admitted);
      });
    },
  );

  it('100 custom role creates at once at PRO (10 roles), 7 defined: exactly 3 admitted, the counter equals the roles', async () => {
    const org = await createOrganization(owner);
    await changePlan(platformOwner, org.id, 'PRO');
    const role = (key: string) => ({
      key,
      name: `Race ${key}`,
      baseRole: 'VIEWER' as const,
      permissions: ['members:read'],
    });
    await Promise.all(Array.from({ length: 7 }, (_, i) => createRole(owner, org.id, role(`defined-${i}`))));
    await round([org.id], async () => {
      const answers = await burst(100, (i) => send(owner, 'POST', `/organizations/${org.id}/roles`, role(`race-${i}`)));
      const admitted = expectAdmitted(answers, 201, '403 PLAN_LIMIT_REACHED', 3);
      expect((await invariants(org.id)).customRoles).toBe(7 + admitted);
    });
  });

  it('2 rounds: the same email invited concurrently holds one seat', async () => {
    for (let i = 0; i < 2; i++) {
      const org = await createOrganization(owner);
      const email = randomEmail();
      await round([org.id], async () => {
        const answers = await burst(10, () =>
          send(owner, 'POST', `/organizations/${org.id}/invitations`, { email, role: 'VIEWER' }),
        );
        const admitted = expectAdmitted(answers, 201, '409 CONFLICT');
        expect((await invariants(org.id)).pending).toBe(admitted);
      });
    }
  });

  describe('accepts', () => {
    const ACCEPTS = 12;
    let invitees: TestUser[];
    let members: TestUser[];
    beforeAll(async () => {
      invitees = await Promise.all(Array.from({ length: ACCEPTS }, () => testUser()));
      members = await Promise.all([testUser(), testUser(), testUser()]);
    }, 120_000);

    it.each([1, 2])(
      `round %i: ${ACCEPTS} accepts after a downgrade below usage admit one (STARTER: 5 members)`,
      async () => {
        // ENTERPRISE with the OWNER, 3 members and 12 invitations, then STARTER: one member seat left.
        const org = await createOrganization(owner);
        await changePlan(platformOwner, org.id, 'ENTERPRISE');
        await Promise.all(members.map((member) => join(owner, org.id, member, 'MEMBER')));
        const invitations = await Promise.all(invitees.map((user) => invite(owner, org.id, user.email, 'VIEWER')));
        await changePlan(platformOwner, org.id, 'STARTER');
        await round([org.id], async () => {
          const answers = await Promise.all(
            invitations.map((id, i) => send(invitees[i]!, 'POST', `/me/invitations/${id}/accept`)),
          );
          const admitted = expectAdmitted(answers, 200, '403 PLAN_LIMIT_REACHED');
          expect(await invariants(org.id)).toMatchObject({ members: 4 + admitted, pending: ACCEPTS - admitted });
        });
      },
    );

    it('2 rounds: one invitation accepted 8 times at once makes one member (an accept by its own user is idempotent)', async () => {
      for (let i = 0; i < 2; i++) {
        const org = await createOrganization(owner);
        const user = await testUser();
        const id = await invite(owner, org.id, user.email, 'VIEWER');
        await round([org.id], async () => {
          const answers = await burst(8, () => send(user, 'POST', `/me/invitations/${id}/accept`));
          const counts = tally(answers);
          expect(Object.keys(counts).filter((key) => !['200', '409 CONFLICT'].includes(key))).toEqual([]);
          expect(counts['200']).toBeGreaterThanOrEqual(1);
          // Every success answers the one membership.
          const memberships = new Set(
            answers.filter((a) => a.status === 200).map((a) => JSON.stringify([a.body.userId, a.body.organizationId])),
          );
          expect([...memberships]).toEqual([JSON.stringify([user.userId, org.id])]);
          expect(await invariants(org.id)).toMatchObject({ members: 2, pending: 0 });
        });
      }
    });
  });
});

describe('role changes and removals against a transfer of ownership', () => {
  it.each(Array.from({ length: 5 }, (_, i) => i + 1))(
    'round %i: exactly one OWNER, the ownerId, whatever wins',
    async (n) => {
      const org = await createOrganization(owner);
      const [admin, m1, m2] = await Promise.all([testUser(), testUser(), testUser()]);
      await Promise.all([
        join(owner, org.id, admin, 'ADMIN'),
        join(owner, org.id, m1, 'MEMBER'),
        join(owner, org.id, m2, 'MEMBER'),
      ]);
      const base = `/organizations/${org.id}`;
      await round([org.id], async () => {
        const requests: (() => Promise<Answer>)[] = [
          () => send(owner, 'POST', `${base}/transfer-ownership`, { userId: admin.userId }),
          () => send(owner, 'PATCH', `${base}/members/${admin.userId}`, { role: 'MEMBER' }),
          () => send(owner, 'PATCH', `${base}/members/${m1.userId}`, { role: 'ADMIN' }),
          () => send(admin, 'PATCH', `${base}/members/${m2.userId}`, { role: 'VIEWER' }),
          () => send(admin, 'POST', `${base}/transfer-ownership`, { userId: m1.userId }),
          () => send(admin, 'PATCH', `${base}/members/${owner.userId}`, { role: 'MEMBER' }),
          () => send(admin, 'DELETE', `${base}/members/${owner.userId}`),
          () => send(owner, 'POST', `${base}/transfer-ownership`, { userId: m2.userId }),
          // Odd rounds: the transfer's target is removed at the same time.
          ...(n % 2 ? [() => send(owner, 'DELETE', `${base}/members/${admin.userId}`)] : []),
        ];
        const answers = await Promise.all(requests.map((request) => request()));
        for (const answer of answers) expect(answer.status).toBeLessThan(500);
        const state = await invariants(org.id);
        // The OWNER is an ACTIVE member; everyone else is below OWNER; nobody appears twice.
        expect(Object.values(state.roles).filter((role) => role === 'OWNER')).toHaveLength(1);
        expect(state.owners).toEqual([state.ownerId]);
      });
    },
  );
});

describe('duplicate Idempotency-Key requests', () => {
  it.each([1, 2])('round %i: 8 concurrent creates with one key make one application', async () => {
    const org = await createOrganization(owner);
    const key = randomUUID();
    await round([org.id], async () => {
      const answers = await burst(8, () =>
        send(
          owner,
          'POST',
          `/organizations/${org.id}/applications`,
          { name: 'Idempotent' },
          { 'idempotency-key': key },
        ),
      );
      const counts = tally(answers);
      expect(
        Object.keys(counts).filter((k) => !['201', '409 CONFLICT', '503 SERVICE_UNAVAILABLE'].includes(k)),
      ).toEqual([]);
      const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.application.id as string));
      expect(ids.size).toBeLessThanOrEqual(1);
      expect((await invariants(org.id)).applications).toBe(ids.size);
      // Sent again afterwards: the replay of the one application.
      const replay = await send(
        owner,
        'POST',
        `/organizations/${org.id}/applications`,
        { name: 'Idempotent' },
        { 'idempotency-key': key },
      );
      expect(replay.status).toBe(201);
      if (ids.size) expect(replay.body.application.id).toBe([...ids][0]);
      expect((await invariants(org.id)).applications).toBe(1);
    });
  });

  it.each([1, 2])('round %i: 8 concurrent invitations with one key make one invitation', async () => {
    const org = await createOrganization(owner);
    const key = randomUUID();
    const email = randomEmail();
    await round([org.id], async () => {
      const answers = await burst(8, () =>
        send(
          owner,
          'POST',
          `/organizations/${org.id}/invitations`,
          { email, role: 'VIEWER' },
          { 'idempotency-key': key },
        ),
      );
      const counts = tally(answers);
      expect(
        Object.keys(counts).filter((k) => !['201', '409 CONFLICT', '503 SERVICE_UNAVAILABLE'].includes(k)),
      ).toEqual([]);
      const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id as string));
      expect(ids.size).toBeLessThanOrEqual(1);
      expect((await invariants(org.id)).pending).toBe(ids.size);
    });
  });

  it.each([1, 2])(
    'round %i: the same key from two users of one organization never replays the other principal',
    async () => {
      const org = await createOrganization(owner);
      const admin = await testUser();
      await join(owner, org.id, admin, 'ADMIN');
      const key = randomUUID();
      await round([org.id], async () => {
        const body = { name: 'Same key' };
        const headers = { 'idempotency-key': key };
        const answers = await Promise.all(
          [owner, owner, admin, admin].map((user) =>
            send(user, 'POST', `/organizations/${org.id}/applications`, body, headers),
          ),
        );
        const counts = tally(answers);
        expect(
          Object.keys(counts).filter((k) => !['201', '409 CONFLICT', '503 SERVICE_UNAVAILABLE'].includes(k)),
        ).toEqual([]);
        const idOf = (a: Answer | undefined) => (a?.status === 201 ? (a.body.application.id as string) : undefined);
        const ownerIds = new Set([idOf(answers[0]), idOf(answers[1])].filter(Boolean));
        const adminIds = new Set([idOf(answers[2]), idOf(answers[3])].filter(Boolean));
        // Each principal's replays are its own; no answer of one is the other's.
        expect(ownerIds.size).toBeLessThanOrEqual(1);
        expect(adminIds.size).toBeLessThanOrEqual(1);
        expect([...ownerIds].filter((id) => adminIds.has(id))).toEqual([]);
        expect((await invariants(org.id)).applications).toBe(ownerIds.size + adminIds.size);
      });
    },
  );

  it.each([1, 2])(
    'round %i: the same key and body from owners of two organizations: each gets its own organization',
    async () => {
      const other = await testUser();
      const [a, b] = await Promise.all([createOrganization(owner), createOrganization(other)]);
      const key = randomUUID();
      await round([a.id, b.id], async () => {
        const headers = { 'idempotency-key': key };
        const [mine, theirs] = await Promise.all([
          send(owner, 'POST', `/organizations/${a.id}/applications`, { name: 'Shared key' }, headers),
          send(other, 'POST', `/organizations/${b.id}/applications`, { name: 'Shared key' }, headers),
        ]);
        expect([mine.status, theirs.status]).toEqual([201, 201]);
        expect(mine.body.application.organizationId).toBe(a.id);
        expect(theirs.body.application.organizationId).toBe(b.id);
        expect(mine.body.apiKey).not.toBe(theirs.body.apiKey);
        // The other owner's key on the first organization: not theirs to replay, a 404.
        const crossed = await send(
          other,
          'POST',
          `/organizations/${a.id}/applications`,
          { name: 'Shared key' },
          headers,
        );
        expect(crossed.status).toBe(404);
        expect(crossed.text).not.toContain(mine.body.application.id);
        expect([(await invariants(a.id)).applications, (await invariants(b.id)).applications]).toEqual([1, 1]);
      });
    },
  );
});
