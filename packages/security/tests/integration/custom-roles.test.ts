// A custom role costs layer 2 no second read (contract §9): its decision data lives in the
// organization item's `roles` map, which the one BatchGetItem already reads.
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { membershipKey, organizationKey } from '@tenantry/dynamo';
import { decide, dynamoOrganizationStore } from '../../src/index';
import { membership, organization } from '../support/fakes';
import { type LocalPlatform, localDynamoClient, localPlatform } from '../support/platform';

let platform: LocalPlatform;
let db: DynamoDBDocumentClient;
const orgId = `r${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  platform = await localPlatform();
  db = DynamoDBDocumentClient.from(localDynamoClient());
  const roles = {
    auditor: { baseRole: 'VIEWER', permissions: ['organization:read', 'audit:read'] },
    // A string set, as a writer might store the list: read the same.
    greeter: { baseRole: 'MEMBER', permissions: new Set(['invitations:manage']) },
  };
  await db.send(
    new PutCommand({
      TableName: process.env.ORGANIZATIONS_TABLE!,
      Item: { ...organizationKey(orgId), ...organization(orgId), roles },
    }),
  );
  for (const [userId, role] of [
    ['ann', 'auditor'],
    ['gil', 'greeter'],
  ] as const) {
    await db.send(
      new PutCommand({
        TableName: process.env.MEMBERSHIPS_TABLE!,
        Item: { ...membershipKey(orgId, userId), ...membership(orgId, userId, 'VIEWER'), role },
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  db?.destroy();
  await platform?.stop();
}, 60_000);

describe('custom roles against DynamoDB Local', () => {
  it('come with the organization in layer 2’s ONE BatchGetItem and decide the request', async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient());
    const sent = jest.spyOn(client, 'send');
    const loaded = await dynamoOrganizationStore(client).load(orgId, 'ann');
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent.mock.calls[0]?.[0].constructor.name).toBe('BatchGetCommand');
    const input = { principal: { kind: 'user' as const, groups: [] }, organizationId: orgId, ...loaded };
    expect(decide('audit:read', input)).toMatchObject({ allowed: true, access: 'member', role: { key: 'auditor' } });
    expect(decide('members:read', input)).toMatchObject({ allowed: false, deny: 'FORBIDDEN' });
    client.destroy();
  });

  it('read a role stored with a string set like one stored with a list', async () => {
    const loaded = await dynamoOrganizationStore(db).load(orgId, 'gil');
    const input = { principal: { kind: 'user' as const, groups: [] }, organizationId: orgId, ...loaded };
    expect(decide('invitations:manage', input)).toMatchObject({ allowed: true, role: { baseRole: 'MEMBER' } });
    expect(decide('invitations:read', input)).toMatchObject({ allowed: false, deny: 'FORBIDDEN' });
  });
});
