// The custom role repository against DynamoDB Local (contract §9): the role item, the organization
// item's roles map and the customRoles counter move together or not at all.
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { documentClient, type ItemKey, organizationKey, roleKey, tables, usageKey } from '@tenantry/dynamo';
import type { NewDomainEvent } from '@tenantry/events';
import { dynamoRoleRepository } from '../../src/data/role-repository';
import type { RoleState } from '../../src/domain/model';

const db = documentClient();
const roles = dynamoRoleRepository(db);

let organizationId: string;
const scope = () => ({ organizationId });

const event = (type: NewDomainEvent['type'] = 'role.created'): NewDomainEvent => ({
  type,
  organizationId,
  actor: { kind: 'user', id: 'u1' },
  data: {},
});

function role(key: string, overrides: Partial<RoleState> = {}): RoleState {
  const at = new Date().toISOString();
  return {
    key,
    name: `Role ${key}`,
    baseRole: 'VIEWER',
    permissions: ['organization:read', 'audit:read'],
    holders: 0,
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const read = async (key: ItemKey) =>
  (await db.send(new GetCommand({ TableName: tables.organizations(), Key: key, ConsistentRead: true }))).Item;

/** An organization as written before custom roles: no roles map, no customRoles counter. */
async function legacyOrganization(status = 'ACTIVE') {
  organizationId = `org_${randomUUID().replaceAll('-', '')}`;
  const at = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tables.organizations(),
      Item: {
        ...organizationKey(organizationId),
        organizationId,
        id: organizationId,
        status,
        plan: 'PRO',
        createdAt: at,
      },
    }),
  );
  await db.send(
    new PutCommand({
      TableName: tables.organizations(),
      Item: { ...usageKey(organizationId), organizationId, seats: 1, activeMembers: 1, applications: 0 },
    }),
  );
}

/** What the memberships service keeps: how many hold the role. */
async function setHolders(key: string, holders: number) {
  await db.send(
    new UpdateCommand({
      TableName: tables.organizations(),
      Key: roleKey(organizationId, key),
      UpdateExpression: 'SET holders = :holders',
      ExpressionAttributeValues: { ':holders': holders },
    }),
  );
}

beforeEach(() => legacyOrganization());

describe('create', () => {
  it('writes the role, its decision data on an organization that had no roles map, and the counter', async () => {
    expect(await roles.create(scope(), role('auditor'), 10, event())).toBe('ok');

    expect((await read(organizationKey(organizationId)))?.roles).toEqual({
      auditor: { baseRole: 'VIEWER', permissions: ['organization:read', 'audit:read'] },
    });
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(1);
    expect(await read(roleKey(organizationId, 'auditor'))).toMatchObject({
      organizationId,
      entity: 'Role',
      key: 'auditor',
      holders: 0,
      version: 1,
    });
  });

  it('adds a second role to the map next to the first', async () => {
    await roles.create(scope(), role('auditor'), 10, event());
    expect(await roles.create(scope(), role('billing-ops', { baseRole: 'MEMBER' }), 10, event())).toBe('ok');

    expect(Object.keys((await read(organizationKey(organizationId)))?.roles ?? {}).sort()).toEqual([
      'auditor',
      'billing-ops',
    ]);
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(2);
  });

  it('refuses at the limit and writes nothing', async () => {
    await roles.create(scope(), role('first'), 1, event());

    expect(await roles.create(scope(), role('second'), 1, event())).toBe('limit');
    expect(await read(roleKey(organizationId, 'second'))).toBeUndefined();
    expect(Object.keys((await read(organizationKey(organizationId)))?.roles ?? {})).toEqual(['first']);
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(1);
  });

  it('refuses a limit of zero on a usage item that has no counter yet', async () => {
    expect(await roles.create(scope(), role('auditor'), 0, event())).toBe('limit');
    expect(await read(roleKey(organizationId, 'auditor'))).toBeUndefined();
    expect((await read(usageKey(organizationId)))?.customRoles).toBeUndefined();
  });

  it('answers exists for a key already defined, leaving the first role and the counter alone', async () => {
    await roles.create(scope(), role('auditor'), 10, event());

    expect(await roles.create(scope(), role('auditor', { name: 'Other' }), 10, event())).toBe('exists');
    expect((await read(roleKey(organizationId, 'auditor')))?.name).toBe('Role auditor');
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(1);
  });

  it('answers changed for an organization that is no longer ACTIVE', async () => {
    await legacyOrganization('SUSPENDED');

    expect(await roles.create(scope(), role('auditor'), 10, event())).toBe('changed');
    expect(await read(roleKey(organizationId, 'auditor'))).toBeUndefined();
  });
});

describe('update', () => {
  it('rewrites the role and its decision data, keeping holders the memberships service counted', async () => {
    await roles.create(scope(), role('auditor'), 10, event());
    await setHolders('auditor', 2);
    const next = role('auditor', { baseRole: 'MEMBER', permissions: ['members:read'], version: 2 });

    expect(await roles.update(scope(), 1, next, event('role.updated'))).toBe('ok');
    expect(await roles.find(organizationId, 'auditor')).toMatchObject({
      baseRole: 'MEMBER',
      permissions: ['members:read'],
      holders: 2,
      version: 2,
    });
    expect((await read(organizationKey(organizationId)))?.roles).toEqual({
      auditor: { baseRole: 'MEMBER', permissions: ['members:read'] },
    });
  });

  it('answers stale over a version that is not the current one, changing nothing', async () => {
    await roles.create(scope(), role('auditor'), 10, event());

    expect(
      await roles.update(scope(), 7, role('auditor', { permissions: [], version: 8 }), event('role.updated')),
    ).toBe('stale');
    expect((await read(organizationKey(organizationId)))?.roles?.auditor?.permissions).toEqual([
      'organization:read',
      'audit:read',
    ]);
  });
});

describe('delete', () => {
  it('removes the role, its map entry and one from the counter', async () => {
    await roles.create(scope(), role('auditor'), 10, event());
    await roles.create(scope(), role('billing'), 10, event());

    expect(await roles.delete(scope(), 'auditor', event('role.deleted'))).toBe('ok');
    expect(await read(roleKey(organizationId, 'auditor'))).toBeUndefined();
    expect(Object.keys((await read(organizationKey(organizationId)))?.roles ?? {})).toEqual(['billing']);
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(1);
  });

  it('refuses while someone holds the role, saying how many, and changes nothing', async () => {
    await roles.create(scope(), role('auditor'), 10, event());
    await setHolders('auditor', 3);

    expect(await roles.delete(scope(), 'auditor', event('role.deleted'))).toEqual({ held: 3 });
    expect(await read(roleKey(organizationId, 'auditor'))).toBeDefined();
    expect((await read(usageKey(organizationId)))?.customRoles).toBe(1);
  });

  it('answers missing for a role that does not exist, on an organization that has no roles map', async () => {
    expect(await roles.delete(scope(), 'ghost', event('role.deleted'))).toBe('missing');
  });

  it("never deletes another organization's role", async () => {
    await roles.create(scope(), role('auditor'), 10, event());
    const victim = organizationId;
    await legacyOrganization();

    expect(await roles.delete(scope(), 'auditor', event('role.deleted'))).toBe('missing');
    expect(await read(roleKey(victim, 'auditor'))).toBeDefined();
  });
});

describe('list', () => {
  const leading = [{ key: 'OWNER' }, { key: 'ADMIN' }, { key: 'MEMBER' }, { key: 'VIEWER' }];

  it('pages through the leading roles, then the custom roles by key, each exactly once', async () => {
    for (const key of ['zeta', 'alpha', 'mid']) await roles.create(scope(), role(key), 10, event());

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await roles.list(organizationId, { limit: 3, ...(cursor ? { cursor } : {}) }, leading);
      seen.push(...result.items.map((item) => item.key));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'alpha', 'mid', 'zeta']);
  });

  it("refuses a cursor of another organization's list", async () => {
    await roles.create(scope(), role('alpha'), 10, event());
    const { nextCursor } = await roles.list(organizationId, { limit: 2 }, leading);
    await legacyOrganization();

    await expect(roles.list(organizationId, { limit: 2, cursor: nextCursor! }, leading)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
