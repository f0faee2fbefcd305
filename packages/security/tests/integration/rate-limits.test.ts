// Rate limits through the ONE base URL of the test platform (contract §5, docs/adr/0003-rate-limits.md):
// the four services under serverless-offline, their counters in DynamoDB Local. The test platform
// runs the limits of schemas/ times RATE_LIMIT_SCALE (so other suites' 100-way races are not
// limited); these tests read that scale, and bring a counter near its limit by writing the counter
// item of the current window, exactly as the services' own conditional ADDs leave it.
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type TestUser, testUser } from '@tenantry/local-platform/testing';
import { planLimits, rateLimits } from '@tenantry/models';
import { type Counter, counterKey, EXPIRY_GRACE_SECONDS, windowOf, windowStartOf } from '../../src/index';
import { localDynamoClient } from '../support/platform';

interface Reply {
  status: number;
  headers: Headers;
  body: { error?: { code: string }; [field: string]: unknown };
}

const scale = Number(process.env.RATE_LIMIT_SCALE ?? 1);
const starterLimit = planLimits.STARTER.rateLimit.burst * scale;
const userLimit = rateLimits.user.burst * scale;
const staffLimit = rateLimits.staff.burst * scale;

// The first request of each function meets a cold serverless-offline worker: minutes on a loaded machine.
jest.setTimeout(120_000);

let db: DynamoDBDocumentClient;
let owner: TestUser;
let staff: TestUser;
let acme: string;
let globex: string;
let apiKey: string;
let applicationId: string;

async function http(
  method: string,
  path: string,
  as: { token?: string; apiKey?: string; body?: unknown; idempotencyKey?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (as.idempotencyKey) headers['idempotency-key'] = as.idempotencyKey;
  if (as.token) headers.authorization = `Bearer ${as.token}`;
  if (as.apiKey) headers['x-api-key'] = as.apiKey;
  if (as.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${process.env.TENANTRY_BASE_URL}${path}`, {
    method,
    headers,
    body: as.body === undefined ? undefined : JSON.stringify(as.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/**
 * An arrangement create (not what a test asserts): on a loaded machine the local platform may answer
 * 503 (busy, with Retry-After) or 502/504 (a worker still starting); it is sent again after the
 * delay, with the same Idempotency-Key, so it happens exactly once.
 */
async function arrange(path: string, as: { token: string; body: unknown }): Promise<Reply> {
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const reply = await http('POST', path, { ...as, idempotencyKey });
    if (![502, 503, 504].includes(reply.status) || attempt === 6) return reply;
    // The pause the platform asked for: a client's fixed wait, not a poll for a condition.
    await new Promise((resolve) => setTimeout(resolve, (header(reply, 'retry-after') || 1) * 1000));
  }
}

const header = (reply: Reply, name: string): number => Number(reply.headers.get(name));
const table = (): string => process.env.RATE_LIMITS_TABLE!;

/** The start of the window that holds now. */
const currentWindow = (counter: Counter): number => windowStartOf(windowOf(counter, scale), Date.now());

/** Sets a counter of the window that starts at `windowStart` (default: now's) to `count`. */
async function seed(counter: Counter, count: number, windowStart = currentWindow(counter)): Promise<string> {
  const key = counterKey(counter, windowStart);
  const expiresAt = windowStart + windowOf(counter, scale) + EXPIRY_GRACE_SECONDS;
  await db.send(new PutCommand({ TableName: table(), Item: { pk: key, count, expiresAt } }));
  return key;
}

/** Seeds this window and the next few, so a refusal does not depend on when a window turns. */
async function exhaust(counter: Counter, windows = 5): Promise<void> {
  const length = windowOf(counter, scale);
  const first = currentWindow(counter);
  await Promise.all(Array.from({ length: windows }, (_, i) => seed(counter, 1_000_000_000, first + i * length)));
}

async function counterItem(key: string): Promise<{ count: number; expiresAt: number } | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table(), Key: { pk: key }, ConsistentRead: true }));
  return Item as { count: number; expiresAt: number } | undefined;
}

/**
 * Waits for the next window of `seconds` to begin (arranging a burst inside one window). A window is
 * wall-clock time, so this wait is timed on purpose.
 */
async function nextWindow(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, ms - (Date.now() % ms) + 20));
}

async function createOrganization(user: TestUser): Promise<string> {
  const reply = await arrange('/organizations', { token: user.token, body: { name: `Limits ${randomUUID()}` } });
  if (reply.status !== 201) throw new Error(`create organization: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id as string;
}

beforeAll(async () => {
  db = DynamoDBDocumentClient.from(localDynamoClient());
  [owner, staff] = await Promise.all([testUser(), testUser({ group: 'EMPLOYEE' })]);
  [acme, globex] = await Promise.all([createOrganization(owner), createOrganization(owner)]);
  const created = await arrange(`/organizations/${acme}/applications`, {
    token: owner.token,
    body: { name: 'Rate limited sync' },
  });
  if (created.status !== 201) throw new Error(`create application: ${created.status}`);
  apiKey = created.body.apiKey as string;
  applicationId = (created.body.application as { id: string }).id;
}, 120_000);

afterAll(() => {
  db?.destroy();
});

describe('the RateLimit header fields', () => {
  it('come with every answer: a success, a refusal, a 404 and a 401', async () => {
    const replies = await Promise.all([
      http('GET', `/organizations/${acme}`, { token: owner.token }),
      http('PATCH', `/organizations/${acme}`, { token: owner.token, body: { unknown: true } }),
      http('GET', `/organizations/${acme}`, { token: staff.token }),
      http('GET', '/me/organizations', { token: owner.token }),
      http('GET', '/applications/me', { apiKey }),
      http('GET', `/organizations/org_${randomUUID().replaceAll('-', '')}`, { token: owner.token }),
      http('GET', `/organizations/${acme}`),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([200, 400, 200, 200, 200, 404, 401]);
    for (const reply of replies) {
      expect(header(reply, 'ratelimit-limit')).toBeGreaterThan(0);
      expect(header(reply, 'ratelimit-remaining')).toBeGreaterThanOrEqual(0);
      expect(header(reply, 'ratelimit-reset')).toBeGreaterThanOrEqual(1);
    }
    const [member, , staffRead, mine, key, , anonymous] = replies;
    expect(header(member!, 'ratelimit-limit')).toBe(starterLimit);
    expect(header(staffRead!, 'ratelimit-limit')).toBe(staffLimit);
    expect(header(mine!, 'ratelimit-limit')).toBe(userLimit);
    expect(header(key!, 'ratelimit-limit')).toBe(starterLimit);
    expect(header(anonymous!, 'ratelimit-limit')).toBe(rateLimits.anonymous.burst * scale);
  });
});

describe('an organization (a user on an organization route)', () => {
  it('gets 429 exactly where its counter says, in a burst above its limit', async () => {
    const counter: Counter = { kind: 'organization', subject: acme };
    const room = 5;
    const burst = 12;
    const windows = 8;
    const length = windowOf(counter, scale);
    const read = () => http('GET', `/organizations/${acme}`, { token: owner.token });
    await Promise.all(Array.from({ length: burst }, read)); // warm the function's workers
    await nextWindow(length);
    // Every window the burst may reach has `room` requests left.
    const first = currentWindow(counter);
    const keys = await Promise.all(
      Array.from({ length: windows }, (_, i) => seed(counter, starterLimit - room, first + i * length)),
    );
    const replies = await Promise.all(Array.from({ length: burst }, read));
    const admitted = replies.filter((reply) => reply.status === 200);
    const refused = replies.filter((reply) => reply.status === 429);
    expect(admitted.length + refused.length).toBe(burst);

    // The counters say how many each window admitted: every admitted request added one, up to the limit.
    const counts = await Promise.all(keys.map(async (key) => (await counterItem(key))!.count));
    const admittedByCounters = counts.map((count) => Math.min(count, starterLimit) - (starterLimit - room));
    const reached = admittedByCounters.filter((n) => n > 0).length;
    expect(admitted).toHaveLength(admittedByCounters.reduce((a, b) => a + b, 0));
    expect(refused).toHaveLength(burst - admitted.length);
    // A window admits `room` requests at most, so 12 requests over at most two windows meet refusals.
    expect(reached).toBeGreaterThanOrEqual(1);
    if (reached <= 2) expect(refused.length).toBeGreaterThanOrEqual(burst - reached * room);

    for (const reply of refused) {
      expect(reply.body.error?.code).toBe('RATE_LIMITED');
      expect(header(reply, 'retry-after')).toBeGreaterThanOrEqual(1);
      expect(header(reply, 'retry-after')).toBeLessThanOrEqual(length);
      expect(header(reply, 'ratelimit-remaining')).toBe(0);
      expect(header(reply, 'ratelimit-limit')).toBe(starterLimit);
    }
    // Within a window each admitted request saw one fewer left: room − 1 … 0.
    if (reached === 1) {
      expect(admitted.map((reply) => header(reply, 'ratelimit-remaining')).sort((a, b) => a - b)).toEqual([
        0, 1, 2, 3, 4,
      ]);
    }
  });

  it('at its limit leaves another organization unaffected, for the same user', async () => {
    const other = await createOrganization(owner);
    await exhaust({ kind: 'organization', subject: other });
    expect((await http('GET', `/organizations/${other}`, { token: owner.token })).status).toBe(429);
    expect((await http('GET', `/organizations/${globex}`, { token: owner.token })).status).toBe(200);
  });

  it("is not spent by a stranger's requests: they count against the stranger", async () => {
    const stranger = await testUser();
    const counter: Counter = { kind: 'organization', subject: globex };
    const length = windowOf(counter, scale);
    const first = currentWindow(counter);
    const keys = await Promise.all(Array.from({ length: 5 }, (_, i) => seed(counter, 7, first + i * length)));
    const strangers = await Promise.all(
      Array.from({ length: 3 }, () => http('GET', `/organizations/${globex}`, { token: stranger.token })),
    );
    expect(strangers.map((reply) => reply.status)).toEqual([404, 404, 404]);
    for (const reply of strangers) expect(header(reply, 'ratelimit-limit')).toBe(userLimit);
    // Each request took a unit of the organization while layer 2 read, and gave it back.
    const counts = await Promise.all(keys.map(async (key) => (await counterItem(key))?.count));
    expect(counts).toEqual([7, 7, 7, 7, 7]);
  });
});

describe('an API key', () => {
  it("is limited by its own counter, independent of its organization's users", async () => {
    const org = await createOrganization(owner);
    const created = await arrange(`/organizations/${org}/applications`, {
      token: owner.token,
      body: { name: 'Independent' },
    });
    expect(created.status).toBe(201);
    const key = created.body.apiKey as string;
    const keyId = (created.body.application as { id: string }).id;

    await exhaust({ kind: 'organization', subject: org });
    expect((await http('GET', `/organizations/${org}`, { token: owner.token })).status).toBe(429);
    const keyRead = await http('GET', '/applications/me', { apiKey: key });
    expect(keyRead.status).toBe(200);
    expect(header(keyRead, 'ratelimit-limit')).toBe(starterLimit);

    await exhaust({ kind: 'apiKey', subject: keyId });
    const refused = await http('GET', '/applications/me', { apiKey: key });
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('RATE_LIMITED');
    expect(header(refused, 'retry-after')).toBeGreaterThanOrEqual(1);
    // Another key of the same organization is not affected.
    expect((await http('GET', '/applications/me', { apiKey })).status).toBe(200);
    expect(applicationId).not.toBe(keyId);
  });
});

describe('a user on /me/*', () => {
  it('is limited per user, apart from the organizations they act in', async () => {
    const user = await testUser();
    const org = await createOrganization(user);
    await exhaust({ kind: 'user', subject: user.userId });
    const refused = await http('GET', '/me/organizations', { token: user.token });
    expect(refused.status).toBe(429);
    expect(header(refused, 'ratelimit-limit')).toBe(userLimit);
    expect((await http('GET', '/me/notifications', { token: user.token })).status).toBe(429);
    expect((await http('GET', `/organizations/${org}`, { token: user.token })).status).toBe(200);
    expect((await http('GET', '/me/organizations', { token: owner.token })).status).toBe(200);
  });

  it('gets a Retry-After that is honoured: after waiting it, requests pass', async () => {
    const user = await testUser();
    const counter: Counter = { kind: 'user', subject: user.userId };
    await http('GET', '/me/invitations', { token: user.token }); // warm the function
    await nextWindow(windowOf(counter, scale));
    await seed(counter, 1_000_000_000);
    const refused = await http('GET', '/me/invitations', { token: user.token });
    expect(refused.status).toBe(429);
    const retryAfter = header(refused, 'retry-after');
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000)); // honouring it is the point
    const again = await http('GET', '/me/invitations', { token: user.token });
    expect(again.status).toBe(200);
    expect(header(again, 'ratelimit-remaining')).toBe(userLimit - 1);
  });
});

describe('platform staff', () => {
  it('are limited at their own, higher rate, on every route', async () => {
    const employee = await testUser({ group: 'EMPLOYEE' });
    const list = await http('GET', '/organizations', { token: employee.token });
    expect(list.status).toBe(200);
    expect(header(list, 'ratelimit-limit')).toBe(staffLimit);
    expect(staffLimit).toBeGreaterThan(userLimit);
    await exhaust({ kind: 'staff', subject: employee.userId });
    for (const path of ['/organizations', `/organizations/${acme}`]) {
      const refused = await http('GET', path, { token: employee.token });
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe('RATE_LIMITED');
    }
    // The organization's members are not affected.
    expect((await http('GET', `/organizations/${acme}`, { token: owner.token })).status).toBe(200);
  });
});

describe('abuse limits on creates', () => {
  it('refuse organization creates above the hourly limit with 429, and create nothing', async () => {
    const user = await testUser();
    const counter: Counter = {
      kind: 'hourly',
      subject: `createOrganization:${user.userId}`,
      operation: 'createOrganization',
    };
    expect(windowOf(counter, scale)).toBe(3600);
    await seed(counter, rateLimits.perUserPerHour.createOrganization! * scale);
    await seed(counter, rateLimits.perUserPerHour.createOrganization! * scale, currentWindow(counter) + 3600);
    const refused = await http('POST', '/organizations', { token: user.token, body: { name: 'One too many' } });
    expect(refused.status).toBe(429);
    expect(header(refused, 'retry-after')).toBeGreaterThanOrEqual(1);
    expect(header(refused, 'retry-after')).toBeLessThanOrEqual(3600);
    const mine = await http('GET', '/me/organizations', { token: user.token });
    expect(mine.body.items).toEqual([]);
  });
});

describe('counters', () => {
  it('carry a TTL at the end of their window, and a new window starts fresh', async () => {
    const user = await testUser();
    const counter: Counter = { kind: 'user', subject: user.userId };
    await nextWindow(windowOf(counter, scale));
    const windowStart = currentWindow(counter);
    const first = await http('GET', '/me/invitations', { token: user.token });
    expect(first.status).toBe(200);
    const item = await counterItem(counterKey(counter, windowStart));
    expect(item).toEqual({
      pk: counterKey(counter, windowStart),
      count: 1,
      expiresAt: windowStart + windowOf(counter, scale) + EXPIRY_GRACE_SECONDS,
    });
    expect(item!.expiresAt).toBeGreaterThan(Date.now() / 1000);
    await http('GET', '/me/invitations', { token: user.token });
    await nextWindow(windowOf(counter, scale));
    const fresh = await http('GET', '/me/invitations', { token: user.token });
    expect(header(fresh, 'ratelimit-remaining')).toBe(userLimit - 1);
  });
});
