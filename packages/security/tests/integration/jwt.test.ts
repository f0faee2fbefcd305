import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createUser, idToken } from '@tenantry/local-platform';
import {
  cognitoSettingsFromEnv,
  configureSecurity,
  createTokenVerifier,
  logger,
  resetSecurityConfig,
  route,
  type TokenVerifier,
  verifyBearer,
} from '../../src/index';
import { resetSharedTokenVerifier } from '../../src/jwt';
import { call } from '../../src/testing';
import { fakeModels } from '../support/fakes';
import { type LocalPlatform, localPlatform } from '../support/platform';
import { anotherPoolToken, idTokenClaims, jwtNegatives, mint } from '../support/tokens';

let platform: LocalPlatform;
let verifier: TokenVerifier;
let realToken: string;
let otherPoolToken: string;
let claims: Record<string, unknown>;

beforeAll(async () => {
  platform = await localPlatform();
  const endpoint = process.env.COGNITO_ENDPOINT!;
  const pool = { userPoolId: process.env.USER_POOL_ID!, clientId: process.env.AUTH_CLIENT_ID! };
  const email = `jwt-${Date.now()}@example.test`;
  await createUser(endpoint, pool, email, { group: 'EMPLOYEE' });
  realToken = await idToken(endpoint, pool, email);

  otherPoolToken = await anotherPoolToken(email);

  verifier = createTokenVerifier(cognitoSettingsFromEnv());
  claims = idTokenClaims();
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

const bearer = (token: string) => `Bearer ${token}`;

describe('Cognito ID token verification', () => {
  it('accepts a real ID token of the pool and reads sub, email and groups', async () => {
    const principal = await verifyBearer(bearer(realToken), verifier);
    expect(principal).toMatchObject({ kind: 'user', emailVerified: true, groups: ['EMPLOYEE'] });
    expect(principal.id).toMatch(/.+/);
  });

  it('downloads the JWKS once per verifier, however many tokens it verifies', async () => {
    const fetched = jest.spyOn(globalThis, 'fetch');
    const fresh = createTokenVerifier(cognitoSettingsFromEnv());
    for (let i = 0; i < 5; i++) await verifyBearer(bearer(realToken), fresh);
    await verifyBearer(bearer(mint(claims)), fresh);
    const jwksCalls = fetched.mock.calls.filter(([url]) => String(url).includes('jwks.json'));
    expect(jwksCalls).toHaveLength(1);
    fetched.mockRestore();
  });

  it('accepts a token minted with the pool key and the exact claims', async () => {
    await expect(verifyBearer(bearer(mint(claims)), verifier)).resolves.toMatchObject({
      id: 'user-1',
      groups: ['CUSTOMER'],
    });
  });

  const negatives = jwtNegatives(
    () => claims,
    () => otherPoolToken,
  );

  it.each(negatives)('refuses %s', async (_name, header) => {
    await expect(verifyBearer(header(), verifier)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', statusCode: 401 });
  });

  it('answers every refused token through a route with the same 401 body, leaking nothing', async () => {
    logger.setLogLevel('SILENT');
    resetSecurityConfig();
    resetSharedTokenVerifier();
    configureSecurity({ models: fakeModels({ me: { method: 'GET', path: '/me' } }) });
    const me = route({ operation: 'me', action: 'me:read' }, async ({ context }) => ({
      body: { id: context.principal.id },
    }));

    expect((await call(me, { headers: { authorization: bearer(realToken) } })).statusCode).toBe(200);
    const bodies = new Set<string>();
    for (const [, header] of negatives) {
      const value = header();
      const response = await call<{ error: { requestId?: string } }>(me, {
        headers: value ? { authorization: value } : {},
      });
      expect(response.statusCode).toBe(401);
      bodies.add(JSON.stringify({ ...response.body.error, requestId: undefined }));
    }
    expect([...bodies]).toEqual([JSON.stringify({ code: 'UNAUTHENTICATED', message: 'Authentication is required' })]);
  });
});
