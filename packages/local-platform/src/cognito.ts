import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type PlatformGroup, PlatformGroupValues } from '@tenantry/models';
import { localCredentials } from './dynamodb';
import { type LogSink, type ManagedProcess, startProcess, waitFor } from './processes';

const require = createRequire(import.meta.url);

/** Every local user gets this password: the local pool is a development stand-in, never a real one. */
export const LOCAL_USER_PASSWORD = 'Tenantry-local-1!';

export interface UserPool {
  userPoolId: string;
  clientId: string;
}

/** cognito-local on 127.0.0.1, its data in `<dataDir>/.cognito`. */
export async function startCognito(options: {
  port: number;
  dataDir: string;
  logs: LogSink;
  env: NodeJS.ProcessEnv;
}): Promise<ManagedProcess> {
  const cognito = startProcess('cognito', process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: options.dataDir,
    env: { ...options.env, HOST: '127.0.0.1', PORT: String(options.port) },
    logs: options.logs,
  });
  const client = cognitoClient(`http://127.0.0.1:${options.port}`);
  await waitFor('cognito-local', async () => Boolean(await client.send(new ListUserPoolsCommand({ MaxResults: 1 }))), {
    process: cognito,
  });
  client.destroy();
  return cognito;
}

export function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
}

/** The pool, its app client and the platform groups: created on first start, reused after. */
export async function ensureUserPool(endpoint: string, stateFile: string): Promise<UserPool> {
  const client = cognitoClient(endpoint);
  try {
    if (existsSync(stateFile)) {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as UserPool;
      const found = await client
        .send(new DescribeUserPoolCommand({ UserPoolId: saved.userPoolId }))
        .then(() => true)
        .catch(() => false);
      if (found) return saved;
    }
    const pool = await client.send(
      new CreateUserPoolCommand({
        PoolName: 'tenantry-local',
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
      }),
    );
    const userPoolId = pool.UserPool!.Id!;
    const appClient = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'tenantry-web',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    for (const group of PlatformGroupValues) {
      await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    }
    const created = { userPoolId, clientId: appClient.UserPoolClient!.ClientId! };
    writeFileSync(stateFile, `${JSON.stringify(created, null, 2)}\n`);
    return created;
  } finally {
    client.destroy();
  }
}

export interface CreateUserOptions {
  group?: PlatformGroup;
  /** Defaults to true: the CLI always creates users with a verified email. */
  emailVerified?: boolean;
}

/** Creates a confirmed user (or updates an existing one): repeating it is harmless. */
export async function createUser(
  endpoint: string,
  pool: UserPool,
  email: string,
  options: CreateUserOptions = {},
): Promise<void> {
  const client = cognitoClient(endpoint);
  const verified = options.emailVerified ?? true;
  // cognito-local turns any stored email_verified value, even "false", into a true claim: an
  // unverified user simply has no email_verified attribute.
  const attributes = [
    { Name: 'email', Value: email },
    ...(verified ? [{ Name: 'email_verified', Value: 'true' }] : []),
  ];
  try {
    try {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          UserAttributes: attributes,
          MessageAction: 'SUPPRESS',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'UsernameExistsException') throw error;
      await client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          UserAttributes: attributes,
        }),
      );
    }
    if (!verified) {
      await client.send(
        new AdminDeleteUserAttributesCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          UserAttributeNames: ['email_verified'],
        }),
      );
    }
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        Password: LOCAL_USER_PASSWORD,
        Permanent: true,
      }),
    );
    if (options.group) {
      await client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: email, GroupName: options.group }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** Signs the user in and returns their ID token (the token the API expects). */
export async function idToken(endpoint: string, pool: UserPool, email: string): Promise<string> {
  const client = cognitoClient(endpoint);
  try {
    const result = await client.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: LOCAL_USER_PASSWORD },
      }),
    );
    const token = result.AuthenticationResult?.IdToken;
    if (!token) throw new Error(`no ID token for ${email}`);
    return token;
  } finally {
    client.destroy();
  }
}

export const issuerOf = (endpoint: string, pool: UserPool): string => `${endpoint}/${pool.userPoolId}`;
