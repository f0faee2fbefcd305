// Create, update, suspend, delete, restore, plan and transfer, through the gateway (contract §4, §5, §7).
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { documentClient, tables } from '@tenantry/dynamo';
import { call, errorCode, eventually, testUser } from '@tenantry/local-platform/testing';
import type { Organization } from '@tenantry/models';
import {
  auditTypes,
  type Cast,
  cast,
  createOrganization,
  expireRestoreWindow,
  itemsUnder,
  membership,
  organizationItem,
  organizationWithMembers,
  usageItem,
} from '../support';

let people: Cast;

beforeAll(async () => {
  people = await cast();
}, 60_000);

describe('POST /organizations', () => {
  it('creates the organization, its OWNER membership and its usage counters at once', async () => {
    const owner = await testUser();

    const reply = await call<Organization>(owner, 'POST', '/organizations', { name: 'Acme Café', slug: undefined });

    expect(reply.status).toBe(201);
    const organization = reply.body;
    expect(organization).toMatchObject({
      name: 'Acme Café',
      status: 'ACTIVE',
      plan: 'STARTER',
      ownerId: owner.userId,
      metadata: {},
      usage: { members: 1, applications: 0 },
    });
    expect(organization.slug).toMatch(/^acme-cafe(-[a-z0-9]+)?$/);
    expect(organization.id).toMatch(/^org_[a-f0-9]{32}$/);
    // The creator sees it at once.
    const read = await call<Organization>(owner, 'GET', `/organizations/${organization.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(organization);
    // Every item of the transaction is there.
    expect(await membership(organization.id, owner.userId)).toMatchObject({
      role: 'OWNER',
      status: 'ACTIVE',
      organizationId: organization.id,
      gsi1pk: `USER#${owner.userId}`,
    });
    expect(await usageItem(organization.id)).toMatchObject({ seats: 1, activeMembers: 1, applications: 0 });
    const stored = await organizationItem(organization.id);
    expect(stored?.dataKey).toMatchObject({ mode: 'platform', keyId: expect.any(String) });
    expect(stored?.dataKey.encryptedDataKey.length).toBeGreaterThan(20);
    // ...and the data key never leaves the service.
    expect(JSON.stringify(reply.body)).not.toContain('encryptedDataKey');
  });

  it('refuses a slug that is taken with 409 and writes nothing', async () => {
    const slug = `taken-${Date.now().toString(36)}`;
    const first = await call<Organization>(people.owner, 'POST', '/organizations', { name: 'First', slug });
    expect(first.status).toBe(201);
    const other = await testUser();

    const second = await call(other, 'POST', '/organizations', { name: 'Second', slug });

    expect(second.status).toBe(409);
    expect(errorCode(second)).toBe('CONFLICT');
    const { Items } = await documentClient().send(
      new QueryCommand({
        TableName: tables.memberships(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :user',
        ExpressionAttributeValues: { ':user': `USER#${other.userId}` },
      }),
    );
    expect(Items ?? []).toEqual([]);
  });

  it('makes a free slug from the name when the natural one is taken', async () => {
    const name = `Twin ${Date.now().toString(36)}`;
    const first = await createOrganization(people.owner, name);
    const second = await createOrganization(people.owner, name);
    expect(second.slug).not.toBe(first.slug);
    expect(second.slug.startsWith(first.slug)).toBe(true);
  });

  it.each([
    ['an empty name', { name: '' }],
    ['an unknown field', { name: 'Acme', organizationId: 'org_x' }],
    ['a bad slug', { name: 'Acme', slug: 'Not A Slug' }],
    ['no name', { slug: 'acme' }],
  ])('answers 400 VALIDATION_FAILED for %s', async (_case, body) => {
    const reply = await call(people.owner, 'POST', '/organizations', body);
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('VALIDATION_FAILED');
  });

  it('replays the first answer for the same Idempotency-Key instead of creating twice', async () => {
    const key = `create-${Date.now()}`;
    const first = await call<Organization>(
      people.owner,
      'POST',
      '/organizations',
      { name: 'Once' },
      { 'idempotency-key': key },
    );
    const again = await call<Organization>(
      people.owner,
      'POST',
      '/organizations',
      { name: 'Once' },
      { 'idempotency-key': key },
    );
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const reused = await call(people.owner, 'POST', '/organizations', { name: 'Other' }, { 'idempotency-key': key });
    expect(reused.status).toBe(409);
    expect(errorCode(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('records organization.created in the audit log', async () => {
    const organization = await createOrganization(people.owner);
    const types = await eventually(async () => {
      const found = await auditTypes(organization.id);
      return found.includes('organization.created') ? found : undefined;
    });
    expect(types).toContain('organization.created');
  });
});

describe('PATCH /organizations/{orgId}', () => {
  it('updates the name and replaces the metadata', async () => {
    const organization = await organizationWithMembers(people);
    const reply = await call<Organization>(people.admin, 'PATCH', `/organizations/${organization.id}`, {
      name: 'New name',
      metadata: { crm: 'A-42' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: 'New name', metadata: { crm: 'A-42' }, slug: organization.slug });
    expect(reply.body.usage.members).toBe(4);
    const replaced = await call<Organization>(people.owner, 'PATCH', `/organizations/${organization.id}`, {
      metadata: { tier: 'gold' },
    });
    expect(replaced.body.metadata).toEqual({ tier: 'gold' });
    expect(replaced.body.name).toBe('New name');
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { name: 'X', status: 'DELETED' }],
    ['an ownerId', { ownerId: 'someone' }],
    ['a non-string metadata value', { metadata: { a: 1 } }],
  ])('answers 400 for %s and changes nothing', async (_case, body) => {
    const organization = await createOrganization(people.owner);
    const reply = await call(people.owner, 'PATCH', `/organizations/${organization.id}`, body);
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('VALIDATION_FAILED');
    expect((await call(people.owner, 'GET', `/organizations/${organization.id}`)).body).toEqual(organization);
  });
});

describe('suspend and reactivate', () => {
  it('lets members read but answers every write 403 ORGANIZATION_SUSPENDED until reactivated', async () => {
    const organization = await organizationWithMembers(people);
    const path = `/organizations/${organization.id}`;

    const suspended = await call<Organization>(people.employee, 'POST', `${path}/suspend`);

    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('SUSPENDED');
    expect(suspended.body.suspendedAt).toBeDefined();
    expect((await call(people.viewer, 'GET', path)).status).toBe(200);
    for (const [user, method, suffix, body] of [
      [people.owner, 'PATCH', '', { name: 'Nope' }],
      [people.owner, 'POST', '/transfer-ownership', { userId: people.admin.userId }],
      [people.platformOwner, 'PUT', '/plan', { plan: 'PRO' }],
    ] as const) {
      const reply = await call(user, method, `${path}${suffix}`, body);
      expect({ route: `${method} ${suffix}`, status: reply.status }).toEqual({
        route: `${method} ${suffix}`,
        status: 403,
      });
      expect(errorCode(reply)).toBe('ORGANIZATION_SUSPENDED');
    }
    expect((await call(people.employee, 'POST', `${path}/suspend`)).status).toBe(409);

    const reactivated = await call<Organization>(people.platformOwner, 'POST', `${path}/reactivate`);

    expect(reactivated.status).toBe(200);
    expect(reactivated.body.status).toBe('ACTIVE');
    expect(reactivated.body.suspendedAt).toBeUndefined();
    expect((await call(people.owner, 'PATCH', path, { name: 'Writable again' })).status).toBe(200);
    expect((await call(people.employee, 'POST', `${path}/reactivate`)).status).toBe(409);
    const types = await eventually(async () => {
      const found = await auditTypes(organization.id);
      return found.includes('organization.reactivated') && found.includes('organization.suspended') ? found : undefined;
    });
    expect(types).toEqual(expect.arrayContaining(['organization.suspended', 'organization.reactivated']));
  });
});

describe('delete and restore', () => {
  it('answers 404 on every route but restore after a delete, then restores', async () => {
    const organization = await organizationWithMembers(people);
    const path = `/organizations/${organization.id}`;

    const deleted = await call<Organization>(people.owner, 'DELETE', path);

    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('DELETED');
    expect(deleted.body.deletedAt).toBeDefined();
    const stored = await organizationItem(organization.id);
    expect(Date.parse(stored?.purgeAfter) - Date.parse(stored?.deletedAt)).toBe(30 * 24 * 60 * 60 * 1000);
    for (const [user, method, suffix, body] of [
      [people.owner, 'GET', '', undefined],
      [people.platformOwner, 'GET', '', undefined],
      [people.employee, 'GET', '', undefined],
      [people.owner, 'PATCH', '', { name: 'x' }],
      [people.owner, 'DELETE', '', undefined],
      [people.platformOwner, 'PUT', '/plan', { plan: 'PRO' }],
      [people.employee, 'POST', '/suspend', undefined],
      [people.employee, 'POST', '/reactivate', undefined],
      [people.owner, 'POST', '/transfer-ownership', { userId: people.admin.userId }],
    ] as const) {
      const reply = await call(user, method, `${path}${suffix}`, body);
      expect({ route: `${method} ${suffix}`, status: reply.status }).toEqual({
        route: `${method} ${suffix}`,
        status: 404,
      });
    }

    const restored = await call<Organization>(people.owner, 'POST', `${path}/restore`);

    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe('ACTIVE');
    expect(restored.body.deletedAt).toBeUndefined();
    expect((await call(people.viewer, 'GET', path)).status).toBe(200);
    expect((await call(people.owner, 'POST', `${path}/restore`)).status).toBe(409);
    const types = await eventually(async () => {
      const found = await auditTypes(organization.id);
      return found.includes('organization.restored') ? found : undefined;
    });
    expect(types).toContain('organization.deleted');
  });

  it('restores a suspended organization as SUSPENDED: delete + restore never lifts a suspension', async () => {
    const organization = await createOrganization(people.owner);
    const path = `/organizations/${organization.id}`;
    await call(people.employee, 'POST', `${path}/suspend`);
    expect((await call(people.owner, 'DELETE', path)).status).toBe(200);

    const restored = await call<Organization>(people.owner, 'POST', `${path}/restore`);

    expect(restored.body.status).toBe('SUSPENDED');
  });

  it('no longer restores once the 30 days have passed', async () => {
    const organization = await createOrganization(people.owner);
    const path = `/organizations/${organization.id}`;
    await call(people.owner, 'DELETE', path);
    await expireRestoreWindow(organization.id);

    const owner = await call(people.owner, 'POST', `${path}/restore`);
    const platform = await call(people.platformOwner, 'POST', `${path}/restore`);

    expect(owner.status).toBe(404);
    expect(platform.status).toBe(404);
    // Still DELETED, unless the purge test running beside this one already purged it.
    expect(['DELETED', undefined]).toContain((await organizationItem(organization.id))?.status);
  });
});

describe('PUT /organizations/{orgId}/plan', () => {
  it('takes effect on the next request and emits organization.plan_changed', async () => {
    const organization = await organizationWithMembers(people);
    const path = `/organizations/${organization.id}`;

    const changed = await call<Organization>(people.platformOwner, 'PUT', `${path}/plan`, { plan: 'PRO' });

    expect(changed.status).toBe(200);
    expect(changed.body.plan).toBe('PRO');
    expect((await call<Organization>(people.viewer, 'GET', path)).body.plan).toBe('PRO');
    // Downgrading below usage is allowed (4 members on a plan that allows 5 is not below, but the write
    // itself must not look at usage).
    const down = await call<Organization>(people.platformOwner, 'PUT', `${path}/plan`, { plan: 'STARTER' });
    expect(down.body.plan).toBe('STARTER');
    expect((await organizationItem(organization.id))?.plan).toBe('STARTER');
    const types = await eventually(async () => {
      const found = await auditTypes(organization.id);
      return found.filter((type) => type === 'organization.plan_changed').length === 2 ? found : undefined;
    });
    expect(types).toContain('organization.plan_changed');
  });

  it('answers 400 for an unknown plan and changes nothing', async () => {
    const organization = await createOrganization(people.owner);
    const reply = await call(people.platformOwner, 'PUT', `/organizations/${organization.id}/plan`, { plan: 'GOLD' });
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('VALIDATION_FAILED');
    expect((await organizationItem(organization.id))?.plan).toBe('STARTER');
  });
});

describe('POST /organizations/{orgId}/transfer-ownership', () => {
  const owners = async (organizationId: string) =>
    (await itemsUnder(tables.memberships(), organizationId)).filter(
      (item) => String(item.sk).startsWith('MEMBER#') && item.role === 'OWNER',
    );

  it('makes the target OWNER and the previous owner ADMIN in one step, with exactly one OWNER', async () => {
    const organization = await organizationWithMembers(people);
    const path = `/organizations/${organization.id}`;

    const reply = await call<Organization>(people.owner, 'POST', `${path}/transfer-ownership`, {
      userId: people.viewer.userId,
    });

    expect(reply.status).toBe(200);
    expect(reply.body.ownerId).toBe(people.viewer.userId);
    expect((await membership(organization.id, people.viewer.userId))?.role).toBe('OWNER');
    expect((await membership(organization.id, people.owner.userId))?.role).toBe('ADMIN');
    expect((await owners(organization.id)).map((item) => item.userId)).toEqual([people.viewer.userId]);
    // The former owner has lost the right; the new one has it.
    expect(
      (await call(people.owner, 'POST', `${path}/transfer-ownership`, { userId: people.owner.userId })).status,
    ).toBe(403);
    expect((await call(people.owner, 'DELETE', path)).status).toBe(403);
    const types = await eventually(async () => {
      const found = await auditTypes(organization.id);
      return found.includes('ownership.transferred') ? found : undefined;
    });
    expect(types).toContain('ownership.transferred');
  });

  it('answers 404 for a user who is not a member, and nothing changes', async () => {
    const organization = await organizationWithMembers(people);
    const reply = await call(people.owner, 'POST', `/organizations/${organization.id}/transfer-ownership`, {
      userId: people.outsider.userId,
    });
    expect(reply.status).toBe(404);
    expect(errorCode(reply)).toBe('NOT_FOUND');
    expect((await organizationItem(organization.id))?.ownerId).toBe(people.owner.userId);
    expect((await owners(organization.id)).map((item) => item.userId)).toEqual([people.owner.userId]);
  });

  it('answers 409 for a transfer to oneself: the OWNER is never demoted by it', async () => {
    const organization = await organizationWithMembers(people);
    const reply = await call(people.owner, 'POST', `/organizations/${organization.id}/transfer-ownership`, {
      userId: people.owner.userId,
    });
    expect(reply.status).toBe(409);
    expect((await membership(organization.id, people.owner.userId))?.role).toBe('OWNER');
    expect((await organizationItem(organization.id))?.ownerId).toBe(people.owner.userId);
  });

  it('answers 400 for a malformed user id and an unknown field', async () => {
    const organization = await createOrganization(people.owner);
    for (const body of [{ userId: 'not valid!' }, { userId: people.admin.userId, role: 'VIEWER' }, {}]) {
      const reply = await call(people.owner, 'POST', `/organizations/${organization.id}/transfer-ownership`, body);
      expect(reply.status).toBe(400);
      expect(errorCode(reply)).toBe('VALIDATION_FAILED');
    }
    expect((await membership(organization.id, people.owner.userId))?.role).toBe('OWNER');
  });
});

describe('atomicity under concurrency', () => {
  it('admits exactly one of ten concurrent creates with the same slug', async () => {
    const slug = `race-${Date.now().toString(36)}`;
    const users = await Promise.all(Array.from({ length: 10 }, () => testUser()));

    const replies = await Promise.all(
      users.map((user) => call(user, 'POST', '/organizations', { name: 'Race', slug })),
    );

    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 409)).toHaveLength(9);
  });

  it('lets only one of concurrent transfers win, leaving exactly one OWNER; a loser is never a 404', async () => {
    const organization = await organizationWithMembers(people);
    const path = `/organizations/${organization.id}/transfer-ownership`;

    const replies = await Promise.all(
      [people.admin, people.admin, people.member].map((target) =>
        call(people.owner, 'POST', path, { userId: target.userId }),
      ),
    );

    // A loser read the organization before (409) or after (403: no longer its owner) the winner's write.
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses[0]).toBe(200);
    for (const status of statuses.slice(1)) expect([403, 409]).toContain(status);
    const owners = (await itemsUnder(tables.memberships(), organization.id)).filter((item) => item.role === 'OWNER');
    expect(owners).toHaveLength(1);
    expect((await organizationItem(organization.id))?.ownerId).toBe(owners[0]!.userId);
    expect((await membership(organization.id, people.owner.userId))?.role).toBe('ADMIN');
  });
});
