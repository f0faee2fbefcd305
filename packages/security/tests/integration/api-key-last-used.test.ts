// The API-key resolver against DynamoDB Local: a key's use is recorded before `resolve` settles, so
// before the answer leaves. A Lambda is frozen once it answers; a write still in flight then may
// never happen.
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiKeyItem, apiKeyKey, applicationKey } from '@tenantry/dynamo';
import { API_KEY_PREFIX, apiKeyPrefix, apiKeyResolver, hashApiKey, logger } from '../../src/index';
import { localPlatform } from '../support/platform';

/** Latency added to every UpdateItem: a write slower than the reads of the same request. */
const SLOW_WRITE_MS = 300;

let db: DynamoDBDocumentClient;
let slowWrites: DynamoDBDocumentClient;
const table = () => process.env.APPLICATIONS_TABLE!;

beforeAll(async () => {
  await localPlatform();
  logger.setLogLevel('SILENT');
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
  const slow = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  slow.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') await new Promise((done) => setTimeout(done, SLOW_WRITE_MS));
      return next(args);
    },
    { step: 'initialize', name: 'slowWrites' },
  );
  slowWrites = DynamoDBDocumentClient.from(slow);
}, 60_000);

afterAll(() => {
  db?.destroy();
  slowWrites?.destroy();
});

/** A key of a new application, stored as the applications service stores it. */
async function storedKey() {
  const key = `${API_KEY_PREFIX}${randomBytes(40).toString('base64url')}`;
  const organizationId = `org_${randomUUID().replaceAll('-', '')}`;
  const applicationId = `app_${randomUUID().replaceAll('-', '')}`;
  const createdAt = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...applicationKey(organizationId, applicationId),
        entity: 'Application',
        id: applicationId,
        organizationId,
        lastUsed: {},
        createdAt,
      },
    }),
  );
  await db.send(
    new PutCommand({
      TableName: table(),
      Item: apiKeyItem({
        keyHash: hashApiKey(key),
        organizationId,
        applicationId,
        slot: 'current',
        scopes: ['applications:self'],
        prefix: apiKeyPrefix(key),
        createdAt,
      }),
    }),
  );
  return { key, organizationId, applicationId };
}

const read = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }))).Item;

describe('recording the use of an API key', () => {
  it('has written lastUsedAt on the key and on its application when resolve settles', async () => {
    const { key, organizationId, applicationId } = await storedKey();
    const before = new Date().toISOString();

    const principal = await apiKeyResolver({ client: slowWrites }).resolve({ 'x-api-key': key });

    expect(principal).toMatchObject({ kind: 'application', id: applicationId, organizationId });
    const keyItem = await read(apiKeyKey(hashApiKey(key)));
    const application = await read(applicationKey(organizationId, applicationId));
    expect(keyItem?.lastUsedAt >= before).toBe(true);
    expect(application?.lastUsed).toEqual({ [hashApiKey(key)]: keyItem?.lastUsedAt });
  });
});
