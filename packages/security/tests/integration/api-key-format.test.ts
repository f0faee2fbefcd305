// The API-key resolver against DynamoDB Local, counting every command its client sends: a key with a
// bad checksum (a typo, a truncation) costs no read at all, while a well-formed key is looked up.
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { apiKeyItem } from '@tenantry/dynamo';
import {
  API_KEY_HEADER,
  API_KEY_PREFIX,
  apiKeyPrefix,
  apiKeyResolver,
  hashApiKey,
  logger,
  newApiKey,
} from '../../src/index';
import { localPlatform } from '../support/platform';

let commands: string[] = [];
let counted: DynamoDBDocumentClient;
const table = () => process.env.APPLICATIONS_TABLE!;

beforeAll(async () => {
  await localPlatform();
  logger.setLogLevel('SILENT');
  const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  counted = DynamoDBDocumentClient.from(client);
}, 60_000);

afterAll(() => counted?.destroy());
beforeEach(() => {
  commands = [];
});

/** A key stored as the applications service stores it (written by the counting client, then reset). */
async function storedKey(key: string): Promise<string> {
  const organizationId = `org_${randomUUID().replaceAll('-', '')}`;
  await counted.send(
    new PutCommand({
      TableName: table(),
      Item: apiKeyItem({
        keyHash: hashApiKey(key),
        organizationId,
        applicationId: `app_${randomUUID().replaceAll('-', '')}`,
        slot: 'current',
        scopes: ['applications:self'],
        prefix: apiKeyPrefix(key),
        createdAt: new Date().toISOString(),
      }),
    }),
  );
  commands = [];
  return organizationId;
}

/** The same key with one character of its random part changed (as a typo would). */
const mistyped = (key: string) => {
  const index = API_KEY_PREFIX.length + 10;
  return `${key.slice(0, index)}${key[index] === 'x' ? 'y' : 'x'}${key.slice(index + 1)}`;
};

const resolver = () => apiKeyResolver({ client: counted, table, recordUse: async () => undefined });

describe('the API-key resolver and the key checksum', () => {
  it('resolves a stored key of the new format with one GetItem', async () => {
    const key = newApiKey();
    const organizationId = await storedKey(key);
    const principal = await resolver().resolve({ [API_KEY_HEADER]: key });
    expect(principal?.organizationId).toBe(organizationId);
    expect(commands).toEqual(['GetItemCommand']);
  });

  it('sends no DynamoDB command for a key with a bad checksum, even one whose item exists', async () => {
    const key = newApiKey();
    await storedKey(key);
    const typo = mistyped(key);
    // The item of the mistyped key itself: were it looked up, it would resolve.
    await storedKey(typo);
    expect(await resolver().resolve({ [API_KEY_HEADER]: typo })).toBeUndefined();
    expect(commands).toEqual([]);
  });

  it('sends no DynamoDB command for a truncated key, nor for a key of another prefix', async () => {
    const key = newApiKey();
    for (const value of [key.slice(0, -1), key.replace('tnt_live_', 'tnt_test_'), `${API_KEY_PREFIX}short`]) {
      expect(await resolver().resolve({ [API_KEY_HEADER]: value })).toBeUndefined();
    }
    expect(commands).toEqual([]);
  });

  it('still resolves a key issued before the checksum (54 base64url characters)', async () => {
    const key = `${API_KEY_PREFIX}${randomBytes(40).toString('base64url')}`;
    const organizationId = await storedKey(key);
    expect((await resolver().resolve({ [API_KEY_HEADER]: key }))?.organizationId).toBe(organizationId);
    expect(commands).toEqual(['GetItemCommand']);
  });
});
