// Forged and broken Cognito ID tokens: minted with cognito-local's own signing key (so only the claim
// or header under test is wrong), shared by the verifier's tests (tests/integration/jwt.test.ts) and
// the assurance suite, which sends each of them over HTTP to a route of every service.
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createUser, idToken } from '@tenantry/local-platform';

const require = createRequire(import.meta.url);
const keys = JSON.parse(readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8')) as {
  jwk: Record<string, string>;
};
const privateKey = createPrivateKey({ key: keys.jwk, format: 'jwk' });
const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed with the pool's key (RS256, kid CognitoLocal) carrying exactly `claims`. */
export function mint(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal', ...header });
  const body = b64(claims);
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/** The claims of a valid ID token of the test platform's pool and app client (from the environment). */
export function idTokenClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
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
    ...overrides,
  };
}

/** A real ID token for `email` of another user pool in the test platform's cognito-local (created here). */
export async function anotherPoolToken(email: string): Promise<string> {
  const endpoint = process.env.COGNITO_ENDPOINT!;
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const other = await client.send(new CreateUserPoolCommand({ PoolName: 'another', UsernameAttributes: ['email'] }));
    const otherClient = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: other.UserPool!.Id!,
        ClientName: 'another',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
      }),
    );
    const pool = { userPoolId: other.UserPool!.Id!, clientId: otherClient.UserPoolClient!.ClientId! };
    await createUser(endpoint, pool, email);
    return await idToken(endpoint, pool, email);
  } finally {
    client.destroy();
  }
}

const bearer = (token: string): string => `Bearer ${token}`;

/**
 * Every Authorization header that must be refused with 401, by name: `validClaims()` are those of a
 * valid token (each negative breaks one thing), `otherPoolToken()` a real ID token of another user
 * pool; both read when a header is made (after a test's setup). The header is undefined for "a
 * missing header".
 */
export function jwtNegatives(
  validClaims: () => Record<string, unknown>,
  otherPoolToken: () => string,
): [name: string, header: () => string | undefined][] {
  const now = () => Math.floor(Date.now() / 1000);
  return [
    ['a missing header', () => undefined],
    ['a header without Bearer', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a malformed token', () => 'Bearer not-a-jwt'],
    ['alg none', () => `Bearer ${b64({ alg: 'none' })}.${b64(validClaims())}.`],
    ['alg NONE with a signature', () => `Bearer ${b64({ alg: 'NONE' })}.${b64(validClaims())}.c2ln`],
    [
      'alg nOnE with a signature',
      () => `Bearer ${b64({ alg: 'nOnE', kid: 'CognitoLocal' })}.${b64(validClaims())}.c2ln`,
    ],
    [
      'HS256 signed with the public key',
      () => {
        const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' });
        const body = b64(validClaims());
        const mac = createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url');
        return bearer(`${head}.${body}.${mac}`);
      },
    ],
    ['an unknown kid', () => bearer(mint(validClaims(), { kid: 'SomeoneElse' }))],
    ['a token expired by 1 s', () => bearer(mint({ ...validClaims(), iat: now() - 3600, exp: now() - 1 }))],
    ['nbf in the future', () => bearer(mint({ ...validClaims(), nbf: now() + 60 }))],
    [
      'a wrong issuer',
      () => bearer(mint({ ...validClaims(), iss: `${process.env.COGNITO_ENDPOINT}/us-east-1_other` })),
    ],
    ['a wrong audience', () => bearer(mint({ ...validClaims(), aud: 'another-client' }))],
    ['token_use access', () => bearer(mint({ ...validClaims(), token_use: 'access' }))],
    ['no token_use', () => bearer(mint({ ...validClaims(), token_use: undefined }))],
    [
      'a tampered payload',
      () => {
        const [head, , signature] = mint(validClaims()).split('.');
        return bearer(`${head}.${b64({ ...validClaims(), 'cognito:groups': ['OWNER'] })}.${signature}`);
      },
    ],
    ['an empty signature', () => bearer(`${mint(validClaims()).split('.').slice(0, 2).join('.')}.`)],
    ['a token of another user pool', () => bearer(otherPoolToken())],
  ];
}
