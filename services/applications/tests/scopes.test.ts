// The scopes of an application's keys (contract §6): `scopes` on create and PATCH, default
// applications:self; each must be key-grantable and held by whoever sets it; stored on the
// application and copied to its key items in the same transaction; bad input changes nothing.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { documentClient, membershipItem, organizationKey, tables } from '@tenantry/dynamo';
import type { OrganizationRole } from '@tenantry/models';
import {
  addMember,
  applicationItems,
  appPath,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  errorCode,
  keyItem,
  type Reply,
  type TestUser,
} from './support';

const people = castOfThisFile();
const BROADCAST = { title: 'Maintenance', body: 'Tonight.', audience: { roles: ['OWNER'] } };

const asOwner = (method: string, path: string, body?: unknown) => call(method, path, { user: people.owner }, body);
const storedItems = async (orgId: string) =>
  (await applicationItems(orgId)).filter((item) => item.entity === 'Application');
const refused = (reply: Reply) => ({
  status: reply.status,
  code: errorCode(reply),
  details: reply.body?.error?.details,
});

/** A member holding a custom role (contract §9), written directly: issues keys, reads and manages applications. */
async function keeperOf(orgId: string, user: TestUser): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: tables.organizations(),
      Key: organizationKey(orgId),
      UpdateExpression: 'SET #roles = :roles',
      ExpressionAttributeNames: { '#roles': 'roles' },
      ExpressionAttributeValues: {
        ':roles': {
          'app-keeper': {
            baseRole: 'MEMBER',
            permissions: ['organization:read', 'applications:read', 'applications:manage', 'api_keys:issue'],
          },
        },
      },
    }),
  );
  const now = new Date().toISOString();
  await documentClient().send(
    new PutCommand({
      TableName: tables.memberships(),
      Item: membershipItem({
        organizationId: orgId,
        userId: user.userId,
        email: user.email,
        role: 'app-keeper' as OrganizationRole,
        status: 'ACTIVE',
        joinedAt: now,
        updatedAt: now,
      }),
    }),
  );
}

describe('scopes on create', () => {
  it('default to applications:self alone, on the application and its key item', async () => {
    const orgId = await createOrganization(people.owner);
    const { app, apiKey } = await createApplication(orgId, people.owner);
    expect(app.scopes).toEqual(['applications:self']);
    expect((await keyItem(apiKey))?.scopes).toEqual(['applications:self']);
    const broadcast = await call('POST', `/organizations/${orgId}/notifications`, { apiKey }, BROADCAST);
    expect(broadcast.status).toBe(403);
  });

  it('are the ones asked for when the creator holds each', async () => {
    const orgId = await createOrganization(people.owner);
    const scopes = ['applications:self', 'notifications:send', 'audit:read'];
    const { app, apiKey } = await createApplication(orgId, people.owner, 'Reporter', { scopes });
    expect(app.scopes).toEqual(scopes);
    expect((await keyItem(apiKey))?.scopes).toEqual(scopes);
  });

  it('refuse an unknown scope, one no key may hold, and one the creator does not hold: 400, nothing created', async () => {
    const orgId = await createOrganization(people.owner);
    await keeperOf(orgId, people.member);
    const create = (user: TestUser, scopes: string[]) =>
      call('POST', `/organizations/${orgId}/applications`, { user }, { name: 'Scoped', scopes });

    const unknown = refused(await create(people.owner, ['applications:self', 'everything']));
    const notGrantable = refused(await create(people.owner, ['secrets:read']));
    const notHeld = refused(await create(people.member, ['applications:read', 'audit:read']));
    for (const reply of [unknown, notGrantable, notHeld]) {
      expect(reply).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: [expect.anything()] });
    }
    expect(unknown.details[0].field).toContain('/scopes/1');
    expect(notGrantable.details[0].field).toContain('/scopes/0');
    expect(notHeld.details).toEqual([
      { field: '/scopes/1', message: 'audit:read is not a permission you hold, so you cannot grant it' },
    ]);
    expect(await storedItems(orgId)).toEqual([]);

    // What the custom role holds, it may grant.
    const { app } = await createApplication(orgId, people.member, 'Reader', { scopes: ['applications:read'] });
    expect(app.scopes).toEqual(['applications:read']);
  });
});

describe('scopes on PATCH', () => {
  it('replace the scopes of the application and of every key it holds, in one change', async () => {
    const orgId = await createOrganization(people.owner);
    const { app, apiKey } = await createApplication(orgId, people.owner);
    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const scopes = ['applications:self', 'notifications:send'];
    const reply = await asOwner('PATCH', appPath(orgId, app.id), { scopes });
    expect(reply).toMatchObject({ status: 200, body: { scopes } });
    expect([(await keyItem(apiKey))?.scopes, (await keyItem(next))?.scopes]).toEqual([scopes, scopes]);
    const broadcast = await call('POST', `/organizations/${orgId}/notifications`, { apiKey }, BROADCAST);
    expect(broadcast.status).toBeLessThan(300);
  });

  it('refuse what the setter does not hold (platform staff hold no member permission): 400, nothing changed', async () => {
    const orgId = await createOrganization(people.owner);
    await addMember(orgId, people.admin, 'ADMIN');
    const { app, apiKey } = await createApplication(orgId, people.owner);
    const before = await storedItems(orgId);
    const staff = await call(
      'PATCH',
      appPath(orgId, app.id),
      { user: people.platformOwner },
      { name: 'Renamed', scopes: ['notifications:send'] },
    );
    expect(refused(staff)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const unknown = await call('PATCH', appPath(orgId, app.id), { user: people.admin }, { scopes: ['nope'] });
    expect(refused(unknown)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await storedItems(orgId)).toEqual(before);
    expect((await keyItem(apiKey))?.scopes).toEqual(['applications:self']);
  });

  it('an application created before scopes were chosen keeps exactly its stored scopes', async () => {
    const orgId = await createOrganization(people.owner);
    const { app, apiKey } = await createApplication(orgId, people.owner);
    const legacy = ['applications:self', 'notifications:send'];
    const [item] = await storedItems(orgId);
    await documentClient().send(
      new PutCommand({ TableName: tables.applications(), Item: { ...item, scopes: legacy } }),
    );
    await documentClient().send(
      new UpdateCommand({
        TableName: tables.applications(),
        Key: { pk: (await keyItem(apiKey))?.pk, sk: 'APIKEY' },
        UpdateExpression: 'SET scopes = :legacy',
        ExpressionAttributeValues: { ':legacy': legacy },
      }),
    );
    const renamed = await asOwner('PATCH', appPath(orgId, app.id), { name: 'Renamed' });
    expect(renamed).toMatchObject({ status: 200, body: { scopes: legacy } });
    expect((await keyItem(apiKey))?.scopes).toEqual(legacy);
  });
});
