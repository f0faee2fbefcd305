// A cold burst gets answers, not errors. Right after a start, many concurrent requests with
// a valid token get 200, 503 SERVICE_UNAVAILABLE or 429 RATE_LIMITED (both with Retry-After) — never
// 401, never 500 — and a JWKS endpoint that is down or a DynamoDB that is paused answers 503 with
// Retry-After, then 200 once it is back. Each service is started COLD beside the shared test
// platform (its own `sls offline` on spare ports, same tables and pool), one at a time, so other
// test files keep their platform.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUser, idToken } from '../src/cognito';
import { baseUrl, type TestUser, testUser } from '../src/testing';
import {
  type ColdService,
  type SpareCognito,
  type SpareDynamoDb,
  startColdService,
  startSpareCognito,
  startSpareDynamoDb,
} from '../src/testing/cold';

/** Concurrent requests of one burst. */
const BURST = 200;

/** Everything this file starts, stopped in afterAll even when a test failed or timed out. */
const started: { stop(): Promise<void> }[] = [];
async function tracked<T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> {
  const part = await starting;
  started.push(part);
  return part;
}

afterAll(async () => {
  for (const part of started.reverse()) await part.stop().catch(() => undefined);
}, 120_000);

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  /** A transport failure (no HTTP answer at all). */
  failure?: string;
}

async function send(url: string, token: string): Promise<Answer> {
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(240_000),
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      code = `not JSON: ${text.slice(0, 80)}`;
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after'), code };
  } catch (error) {
    return { status: 0, retryAfter: null, code: undefined, failure: String((error as Error).cause ?? error) };
  }
}

/** `status (code)` → how many, for the failure message and the log. */
function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.failure
      ? `no answer: ${answer.failure}`
      : `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * The honest answers to a burst with a valid token: 200, or "try again later" — 503
 * SERVICE_UNAVAILABLE or 429 RATE_LIMITED, each with a Retry-After in seconds.
 */
function isHonest(answer: Answer): boolean {
  if (answer.status === 200) return true;
  const later =
    (answer.status === 503 && answer.code === 'SERVICE_UNAVAILABLE') ||
    (answer.status === 429 && answer.code === 'RATE_LIMITED');
  return later && /^[1-9]\d*$/.test(answer.retryAfter ?? '');
}

async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

let owner: TestUser;
let organizationId: string;

beforeAll(async () => {
  owner = await testUser();
  const created = await json<{ id: string }>(
    await fetch(`${baseUrl()}/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cold burst' }),
    }),
  );
  organizationId = created.id;
}, 60_000);

/** One authenticated route of each service, read by the owner of the organization. */
const routes: [service: string, path: () => string, slot: number][] = [
  ['organizations', () => `/organizations/${organizationId}`, 0],
  ['memberships', () => `/organizations/${organizationId}/members`, 1],
  ['applications', () => `/organizations/${organizationId}/applications`, 2],
  ['notifications', () => '/me/notifications', 3],
];

describe(`a burst of ${BURST} concurrent requests right after a cold start`, () => {
  it.each(routes)(
    '%s: every answer is 200, or 503/429 with Retry-After; never 401 for the valid token, never 500',
    async (service, path, slot) => {
      const cold = await tracked(startColdService(service, { slot }));
      try {
        const answers = await Promise.all(
          Array.from({ length: BURST }, () => send(`${cold.url}${path()}`, owner.token)),
        );
        const counts = tally(answers);
        process.stdout.write(`[cold burst] ${service} ${path()}: ${JSON.stringify(counts)}\n`);

        expect({ service, dishonest: tally(answers.filter((answer) => !isHonest(answer))) }).toEqual({
          service,
          dishonest: {},
        });
        expect(answers.some((answer) => answer.status === 200)).toBe(true);
        // Warm now: the same request is answered.
        expect((await send(`${cold.url}${path()}`, owner.token)).status).toBe(200);
      } finally {
        await cold.stop();
      }
    },
    600_000,
  );
});

describe('a dependency that is down or paused answers 503 with Retry-After, then 200 once it is back', () => {
  let cognito: SpareCognito | undefined;
  let dynamodb: SpareDynamoDb | undefined;
  let memberships: ColdService | undefined;
  let token: string;

  beforeAll(async () => {
    const spare = await startSpareCognito(5);
    started.push({ stop: () => spare.close() });
    cognito = spare;
    dynamodb = await tracked(startSpareDynamoDb(5));
    const email = `cold-${Date.now()}@example.test`;
    await createUser(cognito.endpoint, cognito.pool, email);
    token = await idToken(cognito.endpoint, cognito.pool, email);
    // The JWKS endpoint is down before the service ever starts: no worker has it cached.
    await cognito.stop();
    memberships = await tracked(
      startColdService('memberships', {
        slot: 5,
        params: { ...cognito.params, dynamodbEndpoint: dynamodb.endpoint },
      }),
    );
  }, 600_000);

  const myOrganizations = () => {
    if (!memberships || !cognito || !dynamodb) throw new Error('the spare parts did not start');
    return send(`${memberships.url}/me/organizations`, token);
  };

  it('a stopped JWKS endpoint: 503 SERVICE_UNAVAILABLE with Retry-After for a valid token, never 401', async () => {
    const answers = await Promise.all([myOrganizations(), myOrganizations(), myOrganizations()]);
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
    }

    await cognito?.start();
    expect(await myOrganizations()).toMatchObject({ status: 200 });
  }, 120_000);

  it('a paused DynamoDB Local: 503 SERVICE_UNAVAILABLE with Retry-After, then 200 once it runs again', async () => {
    expect(await myOrganizations()).toMatchObject({ status: 200 });

    dynamodb?.pause();
    let paused: Answer;
    try {
      paused = await myOrganizations();
    } finally {
      dynamodb?.resume();
    }
    expect(paused).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(paused.retryAfter).toMatch(/^[1-9]\d*$/);

    expect(await myOrganizations()).toMatchObject({ status: 200 });
  }, 120_000);
});
