// 429 for a principal of each kind (contract §5 and §8): a user on an organization's routes,
// an API key, a user on /me/*, platform staff. Each burst is sent concurrently just above what its
// counter has left, and checked for 429 RATE_LIMITED with Retry-After and the RateLimit fields,
// and for nothing written by the refused requests.
//
// The test platform runs the limits of schemas/ times RATE_LIMIT_SCALE (50): thousands of requests
// inside one 2-second window, more than this machine sends. So each counter is brought near its
// limit by writing its item for the current windows, exactly as the services' own conditional
// ADDs leave it (docs/adr/0003-rate-limits.md) — state production has too, no code path of its own.
//
// Not covered: the unauthenticated source. Its counter is the source IP, 127.0.0.1 for every test of
// the run: exhausting it would refuse the 401 cells of every suite running beside this one.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '@tenantry/local-platform/testing';
import { planLimits, rateLimits } from '@tenantry/models';
import {
  type Answer,
  arrange,
  changePlan,
  counterCounts,
  createApplication,
  createOrganization,
  nextWindow,
  randomEmail,
  rateLimitScale,
  seedCounter,
  send,
  type TestUser,
  testUser,
  windowStart,
} from './support';

jest.setTimeout(300_000);

/** Requests each window's counter has left when the burst starts. */
const ROOM = 1;
/** Sent at once, just above what is left. */
const BURST = 6;
/**
 * Windows seeded from the burst's start: on a loaded machine a burst may take longer than one
 * 2-second window, and a window not seeded would admit thousands.
 */
const WINDOWS = 30;

const scale = rateLimitScale();
const quota = (limit: { rps: number; burst: number }) => ({
  limit: limit.burst * scale,
  window: limit.burst / limit.rps,
});
const pro = quota(planLimits.PRO.rateLimit);
const user = quota(rateLimits.user);
const staff = quota(rateLimits.staff);

let owner: TestUser;
let staffUser: TestUser;
let checker: TestUser;
let limited: { id: string };
/** Applications of `limited`, made before any test seeds the organization's counter. */
let app: Awaited<ReturnType<typeof createApplication>>;
let markerApp: Awaited<ReturnType<typeof createApplication>>;

beforeAll(async () => {
  [owner, staffUser, checker] = await Promise.all([
    testUser(),
    testUser({ group: 'OWNER' }),
    testUser({ group: 'OWNER' }),
  ]);
  limited = await createOrganization(owner);
  // PRO: seats for every invitation of the burst, one counter shard (docs/adr/0003).
  await changePlan(checker, limited.id, 'PRO');
  // Their keys send notifications: a scope each application must be given (contract §6).
  app = await createApplication(owner, limited.id, ['notifications:send']);
  markerApp = await createApplication(owner, limited.id, ['notifications:send']);
}, 180_000);

/**
 * Brings the counter `<kind>#<subject>` to `ROOM` below `limit` for this window and the next, then
 * sends `BURST` requests at once.
 */
async function burstAbove(
  counter: { kind: string; subject: string },
  q: { limit: number; window: number },
  request: (i: number) => Promise<Answer>,
): Promise<{ admitted: Answer[]; refused: Answer[] }> {
  await nextWindow(q.window);
  const first = windowStart(q.window);
  await seedCounter(counter.kind, counter.subject, q.window, q.limit - ROOM, WINDOWS);
  const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => request(i)));
  const admitted = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
  const refused = answers.filter((answer) => answer.status === 429);
  // Every answer is a success or a refusal of the limit: nothing else.
  expect(answers.map((a) => a.status).filter((status) => status !== 429 && (status < 200 || status > 299))).toEqual([]);
  // Exactly what the counters say was admitted: each window ROOM at most.
  const counts = await counterCounts(counter.kind, counter.subject, q.window, first, WINDOWS);
  const admittedByCounters = counts.map((count) => Math.min(count, q.limit) - (q.limit - ROOM));
  expect(admitted).toHaveLength(admittedByCounters.reduce((a, b) => a + b, 0));
  expect(refused.length).toBeGreaterThanOrEqual(1);
  for (const answer of refused) {
    expect(answer.body?.error?.code).toBe('RATE_LIMITED');
    const retryAfter = Number(answer.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(q.window);
    expect(Number(answer.headers.get('ratelimit-limit'))).toBe(q.limit);
    expect(Number(answer.headers.get('ratelimit-remaining'))).toBe(0);
    expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  }
  for (const answer of admitted) {
    expect(Number(answer.headers.get('ratelimit-limit'))).toBe(q.limit);
    expect(Number(answer.headers.get('ratelimit-remaining'))).toBeLessThan(ROOM);
  }
  return { admitted, refused };
}

/** The organization's invitations, read by platform staff who took no part in the burst. */
async function invitationEmails(orgId: string): Promise<string[]> {
  const answer = await arrange(checker, 'GET', `/organizations/${orgId}/invitations?limit=100`, undefined, 200);
  return (answer.body.items as { email: string }[]).map((invitation) => invitation.email);
}

/** A burst of invitations by `inviter` above `counter`: exactly the admitted ones exist afterwards. */
async function expectOnlyAdmittedInvitations(
  inviter: TestUser,
  orgId: string,
  counter: { kind: string; subject: string },
  q: { limit: number; window: number },
) {
  const emails = Array.from({ length: BURST }, randomEmail);
  const { admitted } = await burstAbove(counter, q, (i) =>
    send(inviter, 'POST', `/organizations/${orgId}/invitations`, { email: emails[i], role: 'VIEWER' }),
  );
  const stored = await invitationEmails(orgId);
  expect(stored.filter((email) => emails.includes(email)).sort()).toEqual(
    admitted.map((answer) => answer.body.email as string).sort(),
  );
}

describe('429 for a principal of each kind', () => {
  it('a user on an organization route: the organization counter refuses, and refused invitations do not exist', async () => {
    await expectOnlyAdmittedInvitations(owner, limited.id, { kind: 'organization', subject: limited.id }, pro);
  });

  it('an API key: its own counter refuses, and refused notifications are never delivered', async () => {
    const marker = randomUUID();
    const { admitted } = await burstAbove({ kind: 'apiKey', subject: app.id }, pro, () =>
      send({ apiKey: app.apiKey }, 'POST', `/organizations/${limited.id}/notifications`, {
        title: `Limited ${marker}`,
        body: 'Rate-limited key',
        audience: { userIds: [owner.userId] },
      }),
    );
    // A refused request runs nothing. That none is merely late: a notification sent after the burst,
    // through another key of the organization, has arrived when they are counted.
    const after = { title: `After ${marker}`, body: 'Sent after the burst', audience: { userIds: [owner.userId] } };
    await arrange({ apiKey: markerApp.apiKey }, 'POST', `/organizations/${limited.id}/notifications`, after, 201);
    const titles = async () => {
      const answer = await arrange(owner, 'GET', '/me/notifications?limit=100', undefined, 200);
      return (answer.body.items as { title: string }[]).map((n) => n.title);
    };
    const limitedOf = (seen: string[]) => seen.filter((title) => title === `Limited ${marker}`);
    const seen = await eventually(titles, {
      until: (found) => found.includes(after.title) && limitedOf(found).length >= admitted.length,
      timeoutMs: 15_000,
      description: `the ${admitted.length} admitted notifications and the one sent after the burst`,
    });
    expect(limitedOf(seen)).toHaveLength(admitted.length);
  });

  it('a user on /me/*: the user counter refuses, and refused reads-marks leave their notifications unread', async () => {
    const reader = await testUser();
    const org = await createOrganization(reader);
    for (let i = 0; i < BURST; i++) {
      await arrange(
        reader,
        'POST',
        `/organizations/${org.id}/notifications`,
        { title: `Unread ${i}`, body: 'To be marked read', audience: { userIds: [reader.userId] } },
        201,
      );
    }
    const unreadIds = async () => {
      const answer = await arrange(reader, 'GET', '/me/notifications?unread=true&limit=100', undefined, 200);
      return (answer.body.items as { id: string }[]).map((n) => n.id);
    };
    const ids = await eventually(unreadIds, {
      until: (found) => found.length === BURST,
      timeoutMs: 15_000,
      description: `the reader's ${BURST} unread notifications`,
    });

    const { admitted } = await burstAbove({ kind: 'user', subject: reader.userId }, user, (i) =>
      send(reader, 'POST', `/me/notifications/${ids[i]}/read`),
    );
    // The reader may read again once the seeded windows have passed.
    const unread = await eventually(() => send(reader, 'GET', '/me/notifications?unread=true&limit=100'), {
      until: (answer) => answer.status === 200,
      timeoutMs: (WINDOWS + 2) * user.window * 1000,
      intervalMs: user.window * 1000,
      description: "the reader's counter to admit a read after the seeded windows",
    });
    expect(unread.body.items).toHaveLength(BURST - admitted.length);
  });

  it('platform staff: the staff counter refuses, and refused invitations do not exist', async () => {
    const org = await createOrganization(owner);
    await changePlan(staffUser, org.id, 'PRO');
    await expectOnlyAdmittedInvitations(staffUser, org.id, { kind: 'staff', subject: staffUser.userId }, staff);
  });
});
