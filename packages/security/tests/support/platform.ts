// Integration-test support: uses the platform of the vitest global setup when it runs (see
// docs/CONVENTIONS.md); otherwise (TENANTRY_TEST_PLATFORM=off, or ports busy) starts DynamoDB Local
// and cognito-local for this test file alone, on free ports of 127.0.0.1, and stops them after.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(what: string, check: () => Promise<unknown>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not start: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

const tableWithSortKey = (TableName: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
});

const idempotencyTable = (TableName: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
});

export function localDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: process.env.AWS_REGION, credentials });
}

async function ensureTables(definitions: CreateTableCommandInput[]): Promise<void> {
  const client = localDynamoClient();
  try {
    const existing = new Set((await client.send(new ListTablesCommand({ Limit: 100 }))).TableNames ?? []);
    for (const definition of definitions) {
      if (existing.has(definition.TableName!)) continue;
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (error) {
        if ((error as Error).name !== 'ResourceInUseException') throw error;
      }
      await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
    }
  } finally {
    client.destroy();
  }
}

async function startDynamoDb(): Promise<() => Promise<void>> {
  const emulator = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-inMemory',
      '-disableTelemetry',
    ],
    { cwd: emulator, stdio: 'ignore' },
  );
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
  const client = localDynamoClient();
  await waitFor('DynamoDB Local', () => client.send(new ListTablesCommand({})), child);
  client.destroy();
  return () => stopChild(child);
}

async function startCognito(): Promise<() => Promise<void>> {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'tenantry-security-cognito-'));
  const child = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials });
  await waitFor('cognito-local', () => fetch(`${endpoint}/health`).catch(() => fetch(endpoint)), child);
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'tenantry-security-test',
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
  for (const group of ['OWNER', 'EMPLOYEE', 'CUSTOMER']) {
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
  }
  client.destroy();
  Object.assign(process.env, {
    COGNITO_ENDPOINT: endpoint,
    USER_POOL_ID: userPoolId,
    AUTH_CLIENT_ID: appClient.UserPoolClient!.ClientId!,
    AUTH_ISSUER: `${endpoint}/${userPoolId}`,
    AUTH_JWKS_URI: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
  });
  return async () => {
    await stopChild(child);
    rmSync(cwd, { recursive: true, force: true });
  };
}

export interface LocalPlatform {
  stop(): Promise<void>;
}

/** DynamoDB (with the tables this package reads and an idempotency table) and, if asked, Cognito. */
export async function localPlatform(options: { cognito?: boolean } = {}): Promise<LocalPlatform> {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.ORGANIZATIONS_TABLE ??= 'tenantry-local-organizations';
  process.env.MEMBERSHIPS_TABLE ??= 'tenantry-local-memberships';
  process.env.IDEMPOTENCY_TABLE = 'tenantry-local-security-test-idempotency';
  const stops: Array<() => Promise<void>> = [];
  if (!process.env.DYNAMODB_ENDPOINT) stops.push(await startDynamoDb());
  if (options.cognito && !process.env.COGNITO_ENDPOINT) stops.push(await startCognito());
  await ensureTables([
    tableWithSortKey(process.env.ORGANIZATIONS_TABLE),
    tableWithSortKey(process.env.MEMBERSHIPS_TABLE),
    idempotencyTable(process.env.IDEMPOTENCY_TABLE),
  ]);
  return {
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
