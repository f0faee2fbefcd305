import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
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

const require = createRequire(import.meta.url);
const keys = JSON.parse(readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8')) as {
  jwk: Record<string, string>;
};
const privateKey = createPrivateKey({ key: keys.jwk, format: 'jwk' });
const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function mint(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal', ...header });
  const body = b64(claims);
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

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

  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const other = await client.send(new CreateUserPoolCommand({ PoolName: 'another', UsernameAttributes: ['email'] }));
  const otherClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: other.UserPool!.Id!,
      ClientName: 'another',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }),
  );
  const otherPool = { userPoolId: other.UserPool!.Id!, clientId: otherClient.UserPoolClient!.ClientId! };
  await createUser(endpoint, otherPool, email);
  otherPoolToken = await idToken(endpoint, otherPool, email);
  client.destroy();

  verifier = createTokenVerifier(cognitoSettingsFromEnv());
  const now = Math.floor(Date.now() / 1000);
  claims = {
    sub: 'user-1',
    email: 'user-1@example.test',
    email_verified: true,
    'cognito:groups': ['CUSTOMER'],
    iss: process.env.AUTH_ISSUER,
    aud: process.env.AUTH_CLIENT_ID,
    token_use: 'id',
    auth_time: now,
    iat: now,
    exp: now + 3600,
  };
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

  const now = () => Math.floor(Date.now() / 1000);
  const negatives: [string, () => string | undefined][] = [
    ['a missing header', () => undefined],
    ['a header without Bearer', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a malformed token', () => 'Bearer not-a-jwt'],
    ['alg none', () => `Bearer ${b64({ alg: 'none' })}.${b64(claims)}.`],
    ['alg NONE with a signature', () => `Bearer ${b64({ alg: 'NONE' })}.${b64(claims)}.c2ln`],
    ['alg nOnE with a signature', () => `Bearer ${b64({ alg: 'nOnE', kid: 'CognitoLocal' })}.${b64(claims)}.c2ln`],
    [
      'HS256 signed with the public key',
      () => {
        const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' });
        const body = b64(claims);
        const mac = createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url');
        return bearer(`${head}.${body}.${mac}`);
      },
    ],
    ['an unknown kid', () => bearer(mint(claims, { kid: 'SomeoneElse' }))],
    ['a token expired by 1 s', () => bearer(mint({ ...claims, iat: now() - 3600, exp: now() - 1 }))],
    ['nbf in the future', () => bearer(mint({ ...claims, nbf: now() + 60 }))],
    ['a wrong issuer', () => bearer(mint({ ...claims, iss: `${process.env.COGNITO_ENDPOINT}/us-east-1_other` }))],
    ['a wrong audience', () => bearer(mint({ ...claims, aud: 'another-client' }))],
    ['token_use access', () => bearer(mint({ ...claims, token_use: 'access' }))],
    ['no token_use', () => bearer(mint({ ...claims, token_use: undefined }))],
    [
      'a tampered payload',
      () => {
        const [head, , signature] = mint(claims).split('.');
        return bearer(`${head}.${b64({ ...claims, 'cognito:groups': ['OWNER'] })}.${signature}`);
      },
    ],
    ['an empty signature', () => bearer(`${mint(claims).split('.').slice(0, 2).join('.')}.`)],
    ['a token of another user pool', () => bearer(otherPoolToken)],
  ];

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
