// Helpers for tests that run against the platform the jest global setup started.
import { randomUUID } from 'node:crypto';
import { type CreateUserOptions, createUser, idToken, type UserPool } from '../cognito';

export { restoreEnv, stubEnv, stubStageEnv, unitEnvironment } from './env';
export { type EventuallyOptions, eventually } from './eventually';
export { api, type Caller, call, errorCode, PLATFORM_HICCUP, type Reply } from './http';
export { invokeFunction } from './invoke';

/** A variable the test platform sets (jest global setup); a clear error when it did not run (`TENANTRY_TEST_PLATFORM=off`). */
export function platformVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is the test platform running (jest global setup)?`);
  return value;
}

export const baseUrl = (): string => platformVariable('TENANTRY_BASE_URL');
const cognito = (): { endpoint: string; pool: UserPool } => ({
  endpoint: platformVariable('COGNITO_ENDPOINT'),
  pool: { userPoolId: platformVariable('USER_POOL_ID'), clientId: platformVariable('AUTH_CLIENT_ID') },
});

export interface TestUser {
  email: string;
  /** The `sub` of the user's tokens. */
  userId: string;
  token: string;
}

/** A fresh user in the local pool (a unique email unless given) and a valid ID token for it. */
export async function testUser(options: CreateUserOptions & { email?: string } = {}): Promise<TestUser> {
  const email = options.email ?? `user-${randomUUID()}@example.test`;
  const { endpoint, pool } = cognito();
  await createUser(endpoint, pool, email, options);
  const token = await idToken(endpoint, pool, email);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return { email, userId: claims.sub, token };
}
