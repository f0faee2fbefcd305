// Tokens end to end (OWASP API2): every JWT the security package's verifier refuses
// (packages/security/tests/support/tokens.ts, the same list its own tests use) is sent over HTTP to
// one route of every service and answered 401 UNAUTHENTICATED, one and the same body everywhere but
// for `requestId`; forged API keys likewise. A valid token while the JWKS endpoint is down answers
// 503 with Retry-After, never 401: packages/local-platform/tests/cold-burst.test.ts proves it for the
// memberships service; here once more for the notifications service, started cold beside the
// platform and trusting a cognito-local of its own that we stop.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createUser, idToken } from '@tenantry/local-platform';
import { startColdService, startSpareCognito } from '../../packages/local-platform/src/testing/cold';
import { anotherPoolToken, idTokenClaims, jwtNegatives } from '../../packages/security/tests/support/tokens';
import {
  type Answer,
  createApplication,
  createOrganization,
  declaredRoutes,
  recordPart,
  send,
  sendWhileBusy,
  testUser,
} from './support';

jest.setTimeout(300_000);

/** A spare slot of the test port layout no other test file uses (cold-burst takes 0–3 and 5). */
const SPARE_SLOT = 7;

let orgId: string;
let apiKey: string;
let ownerToken: string;
let otherPoolToken: string;
let ran = 0;
let failed = 0;

/** One route of each service, with the status a valid credential gets. */
const ROUTES: Record<string, () => string> = {
  organizations: () => `/organizations/${orgId}`,
  memberships: () => `/organizations/${orgId}/members`,
  applications: () => `/organizations/${orgId}/applications`,
  notifications: () => '/me/notifications',
};

beforeAll(async () => {
  const owner = await testUser();
  ownerToken = owner.token;
  orgId = (await createOrganization(owner)).id;
  apiKey = (await createApplication(owner, orgId)).apiKey;
  otherPoolToken = await anotherPoolToken(owner.email);
}, 120_000);

afterAll(() => recordPart('tokens', ran, failed));

/** Sends with a raw Authorization header (or none); a 503 or an emulator hiccup is sent again. */
async function withAuthorization(path: string, authorization: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  return sendWhileBusy(() => send(undefined, 'GET', path, undefined, headers));
}

const withoutRequestId = (answer: Answer): string => JSON.stringify({ ...answer.body?.error, requestId: undefined });

describe('the JWT negatives of the security package, over HTTP, on a route of every service', () => {
  it('covers every service that declares routes', () => {
    const services = new Set(declaredRoutes().map((route) => route.service));
    expect([...services].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('answers each refused token 401 UNAUTHENTICATED with the same body, and the valid token 200', async () => {
    const negatives = jwtNegatives(
      () => idTokenClaims(),
      () => otherPoolToken,
    );
    const apiKeyNegatives: [string, string][] = [
      ['a forged API key', `tnt_${'0'.repeat(40)}`],
      ['a truncated API key', apiKey.slice(0, -4)],
      ['an API key with a changed character', `${apiKey.slice(0, -1)}${apiKey.endsWith('A') ? 'B' : 'A'}`],
    ];
    const failures: string[] = [];
    const bodies = new Set<string>();
    for (const [service, path] of Object.entries(ROUTES)) {
      const valid = await withAuthorization(path(), `Bearer ${ownerToken}`);
      ran++;
      if (valid.status !== 200) failures.push(`${service}: the valid token got ${valid.status}`);
      const answers = await Promise.all([
        ...negatives.map(async ([name, header]) => ({ name, answer: await withAuthorization(path(), header()) })),
        ...apiKeyNegatives.map(async ([name, key]) => ({
          name,
          answer: await send({ apiKey: key }, 'GET', path()),
        })),
      ]);
      for (const { name, answer } of answers) {
        ran++;
        if (answer.status !== 401 || answer.body?.error?.code !== 'UNAUTHENTICATED') {
          failures.push(`${service} ${name}: ${answer.status} ${answer.text.slice(0, 200)}`);
        } else bodies.add(withoutRequestId(answer));
      }
    }
    // The API key's own route.
    const forged = await send({ apiKey: `tnt_${'1'.repeat(40)}` }, 'GET', '/applications/me');
    ran++;
    if (forged.status !== 401) failures.push(`/applications/me with a forged key: ${forged.status}`);
    else bodies.add(withoutRequestId(forged));

    failed += failures.length + (bodies.size > 1 ? 1 : 0);
    expect(failures).toEqual([]);
    expect([...bodies]).toEqual([JSON.stringify({ code: 'UNAUTHENTICATED', message: 'Authentication is required' })]);
  });
});

describe('a valid token while the JWKS endpoint is down', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After (notifications, started cold), then 200 once it is back', async () => {
    const cognito = await startSpareCognito(SPARE_SLOT);
    let service: Awaited<ReturnType<typeof startColdService>> | undefined;
    try {
      const email = `assurance-jwks-${Date.now()}@example.test`;
      await createUser(cognito.endpoint, cognito.pool, email);
      const token = await idToken(cognito.endpoint, cognito.pool, email);
      // Down before the service ever starts: no worker has the JWKS cached.
      await cognito.stop();
      service = await startColdService('notifications', { slot: SPARE_SLOT, params: cognito.params });
      const get = async () => {
        const response = await fetch(`${service!.url}/me/notifications`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await response.json()) as { error?: { code?: string } };
        return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after') };
      };
      const down = await get();
      ran++;
      if (down.status !== 503) failed++;
      expect(down).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(down.retryAfter).toMatch(/^[1-9]\d*$/);

      await cognito.start();
      const back = await get();
      ran++;
      if (back.status !== 200) failed++;
      expect(back.status).toBe(200);
    } finally {
      await service?.stop();
      await cognito.close();
    }
  });
});
