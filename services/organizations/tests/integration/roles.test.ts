// Custom roles through the gateway (contract §9): define, list, read, change and delete them; the
// plan's limit (also under 100 concurrent creates); who may; hostile input (contract §8); and a
// change to a role's permissions reaching its holder on their very next request.

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { documentClient, roleKey, tables } from '@tenantry/dynamo';
import { call, errorCode, eventually, type Reply, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { Organization, Role } from '@tenantry/models';
import { permissionsOfRole } from '@tenantry/security';
import {
  addMember,
  auditTypes,
  type Cast,
  cast,
  createOrganization,
  itemsUnder,
  organizationItem,
  organizationWithMembers,
  usageItem,
} from '../support';

// Many calls per test through a local platform that shares two cores with other runs.
jest.setTimeout(180_000);

let people: Cast;

beforeAll(async () => {
  people = await cast();
}, 60_000);

const auditor = {
  key: 'auditor',
  name: 'Auditor',
  description: 'Reads everything, the audit log included.',
  baseRole: 'VIEWER',
  permissions: ['organization:read', 'members:read', 'audit:read'],
};

const rolesPath = (orgId: string) => `/organizations/${orgId}/roles`;
const rolePath = (orgId: string, key: string) => `/organizations/${orgId}/roles/${key}`;

async function changePlan(orgId: string, plan: 'STARTER' | 'PRO' | 'ENTERPRISE') {
  const reply = await call(people.platformOwner, 'PUT', `/organizations/${orgId}/plan`, { plan });
  if (reply.status !== 200) throw new Error(`plan change failed: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** An organization of `people.owner` on PRO (10 custom roles), with an ADMIN, a MEMBER and a VIEWER. */
async function proOrganization(): Promise<Organization> {
  const organization = await organizationWithMembers(people);
  await changePlan(organization.id, 'PRO');
  return organization;
}

async function createRole(orgId: string, body: Record<string, unknown>, by: TestUser = people.owner) {
  return call(by, 'POST', rolesPath(orgId), body);
}

/** What the organizations table holds for the organization's roles: role items, map, counter. */
async function storedRoles(orgId: string) {
  const items = await itemsUnder(tables.organizations(), orgId);
  return {
    items: items
      .filter((item) => String(item.sk).startsWith('ROLE#'))
      .map(({ key, name, baseRole, permissions, holders, version }) => ({
        key,
        name,
        baseRole,
        permissions,
        holders,
        version,
      })),
    map: (await organizationItem(orgId))?.roles,
    counter: (await usageItem(orgId))?.customRoles,
  };
}

describe('POST, GET, PATCH and DELETE /organizations/{orgId}/roles', () => {
  it('defines a role, lists it after the built-in ones, reads, changes and deletes it', async () => {
    const { id } = await proOrganization();

    const created = await createRole(id, auditor);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...auditor, builtIn: false, holders: 0 });

    const list = await call(people.viewer, 'GET', rolesPath(id));
    expect(list.status).toBe(200);
    expect(list.body.items.map((role: Role) => [role.key, role.builtIn])).toEqual([
      ['OWNER', true],
      ['ADMIN', true],
      ['MEMBER', true],
      ['VIEWER', true],
      ['auditor', false],
    ]);
    for (const role of list.body.items.slice(0, 4) as Role[]) {
      expect(role.permissions).toEqual(permissionsOfRole(role.key as 'OWNER'));
    }
    expect(list.body.nextCursor).toBeNull();

    expect((await call(people.member, 'GET', rolePath(id, 'auditor'))).body).toMatchObject(auditor);
    expect((await call(people.member, 'GET', rolePath(id, 'ADMIN'))).body).toMatchObject({
      key: 'ADMIN',
      builtIn: true,
      permissions: [...permissionsOfRole('ADMIN')],
    });

    const patched = await call(people.owner, 'PATCH', rolePath(id, 'auditor'), {
      baseRole: 'MEMBER',
      permissions: ['organization:read', 'applications:read'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ key: 'auditor', name: 'Auditor', baseRole: 'MEMBER' });
    expect(await storedRoles(id)).toEqual({
      items: [
        {
          key: 'auditor',
          name: 'Auditor',
          baseRole: 'MEMBER',
          permissions: ['organization:read', 'applications:read'],
          holders: 0,
          version: 2,
        },
      ],
      map: { auditor: { baseRole: 'MEMBER', permissions: ['organization:read', 'applications:read'] } },
      counter: 1,
    });

    expect((await call(people.owner, 'DELETE', rolePath(id, 'auditor'))).status).toBe(204);
    expect(await storedRoles(id)).toEqual({ items: [], map: {}, counter: 0 });
    expect(errorCode(await call(people.owner, 'GET', rolePath(id, 'auditor')))).toBe('NOT_FOUND');

    await eventually(() => auditTypes(id), {
      until: (types) => ['role.created', 'role.updated', 'role.deleted'].every((type) => types.includes(type)),
      description: 'role.created, role.updated and role.deleted in the audit log',
    });
  });

  it('pages the list with the house cursor, built-in roles first', async () => {
    const { id } = await proOrganization();
    for (const key of ['beta', 'alpha']) expect((await createRole(id, { ...auditor, key })).status).toBe(201);

    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await call(
        people.owner,
        'GET',
        `${rolesPath(id)}?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      keys.push(...page.body.items.map((role: Role) => role.key));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(keys).toEqual(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'alpha', 'beta']);
  });

  it('answers 409 to a second role of the same key, changing nothing', async () => {
    const { id } = await proOrganization();
    await createRole(id, auditor);

    const again = await createRole(id, { ...auditor, name: 'Another' });

    expect({ status: again.status, code: errorCode(again) }).toEqual({ status: 409, code: 'CONFLICT' });
    expect((await storedRoles(id)).items.map((item) => [item.key, item.name])).toEqual([['auditor', 'Auditor']]);
    expect((await storedRoles(id)).counter).toBe(1);
  });

  it('refuses to change or delete a built-in role (409), and answers 404 for an unknown custom one', async () => {
    const { id } = await proOrganization();

    expect(errorCode(await call(people.owner, 'PATCH', rolePath(id, 'ADMIN'), { name: 'Boss' }))).toBe('CONFLICT');
    expect(errorCode(await call(people.owner, 'DELETE', rolePath(id, 'VIEWER')))).toBe('CONFLICT');
    expect(errorCode(await call(people.owner, 'PATCH', rolePath(id, 'ghost'), { name: 'Boo' }))).toBe('NOT_FOUND');
    expect(errorCode(await call(people.owner, 'DELETE', rolePath(id, 'ghost')))).toBe('NOT_FOUND');
  });

  it('refuses to delete a role someone holds, naming how many, and deletes it once they let go', async () => {
    const { id } = await proOrganization();
    await createRole(id, auditor);
    const invited = await call(people.owner, 'POST', `/organizations/${id}/invitations`, {
      email: `holder-${Date.now()}@example.test`,
      role: 'auditor',
    });
    expect(invited.status).toBe(201);

    const refused = await call(people.owner, 'DELETE', rolePath(id, 'auditor'));

    expect({ status: refused.status, code: errorCode(refused) }).toEqual({ status: 409, code: 'CONFLICT' });
    expect(refused.body.error.message).toContain('1 member or pending invitation holds the role auditor');
    expect((await storedRoles(id)).items).toHaveLength(1);

    expect((await call(people.owner, 'DELETE', `/organizations/${id}/invitations/${invited.body.id}`)).status).toBe(
      200,
    );
    expect((await call(people.owner, 'DELETE', rolePath(id, 'auditor'))).status).toBe(204);
  });
});

describe('concurrency and replays', () => {
  it('keeps the organization map equal to the role item under concurrent updates of different fields', async () => {
    const { id } = await proOrganization();
    await createRole(id, auditor);
    const changes = Array.from({ length: 8 }, (_, n) =>
      n % 2
        ? { baseRole: n % 4 === 1 ? 'MEMBER' : 'ADMIN' }
        : { permissions: ['organization:read', `${n % 4 ? 'members' : 'applications'}:read`] },
    );

    const replies = await Promise.all(
      changes.map((change) => call(people.owner, 'PATCH', rolePath(id, 'auditor'), change)),
    );

    const statuses = replies.map((reply) => reply.status);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const [item] = (await storedRoles(id)).items;
    expect((await storedRoles(id)).map).toEqual({
      auditor: { baseRole: item?.baseRole, permissions: item?.permissions },
    });
    expect(item?.version).toBe(1 + statuses.filter((status) => status === 200).length);
  });

  it('replays a create sent again with the same Idempotency-Key, defining the role once', async () => {
    const { id } = await proOrganization();
    const headers = { 'Idempotency-Key': `role-${Date.now()}` };

    const first = await call(people.owner, 'POST', rolesPath(id), auditor, headers);
    const again = await call(people.owner, 'POST', rolesPath(id), auditor, headers);

    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect((await storedRoles(id)).counter).toBe(1);
  });

  it("audits platform staff reading an organization's roles", async () => {
    const { id } = await proOrganization();

    expect((await call(people.employee, 'GET', rolesPath(id))).status).toBe(200);

    await eventually(() => auditTypes(id), {
      until: (types) => types.includes('platform.access'),
      description: 'platform.access in the audit log',
    });
  });
});

describe('plan limits', () => {
  it('refuses every custom role on STARTER with 403 PLAN_LIMIT_REACHED and plan.limit_reached', async () => {
    const { id } = await createOrganization(people.owner);

    const refused = await createRole(id, auditor);

    expect({ status: refused.status, code: errorCode(refused) }).toEqual({ status: 403, code: 'PLAN_LIMIT_REACHED' });
    expect(await storedRoles(id)).toEqual({ items: [], map: undefined, counter: undefined });
    await eventually(() => auditTypes(id), {
      until: (types) => types.includes('plan.limit_reached'),
      description: 'plan.limit_reached in the audit log',
    });
  });

  it('admits 10 on PRO and refuses the 11th; a delete makes room again', async () => {
    const { id } = await proOrganization();
    for (let n = 0; n < 10; n++) expect((await createRole(id, { ...auditor, key: `role-${n}` })).status).toBe(201);

    expect(errorCode(await createRole(id, { ...auditor, key: 'one-more' }))).toBe('PLAN_LIMIT_REACHED');
    expect((await call(people.owner, 'DELETE', rolePath(id, 'role-3'))).status).toBe(204);
    expect((await createRole(id, { ...auditor, key: 'one-more' })).status).toBe(201);
    expect((await storedRoles(id)).counter).toBe(10);
  });

  it('admits exactly the remaining number of 100 concurrent creates at the limit', async () => {
    const { id } = await proOrganization();
    for (let n = 0; n < 8; n++) await createRole(id, { ...auditor, key: `kept-${n}` });
    // serverless-offline starts a worker per concurrent request: warm them on a missing organization first.
    await Promise.all(Array.from({ length: 100 }, () => createRole('org_warmup', auditor)));

    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, n) => createRole(id, { ...auditor, key: `racer-${n}` })),
    );

    const statuses = replies.map((reply) => (reply.status === 403 ? errorCode(reply) : reply.status));
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    expect(statuses.filter((status) => status === 'PLAN_LIMIT_REACHED')).toHaveLength(98);
    const stored = await storedRoles(id);
    expect({ counter: stored.counter, items: stored.items.length, map: Object.keys(stored.map ?? {}).length }).toEqual({
      counter: 10,
      items: 10,
      map: 10,
    });
  });
});

describe('who may (contract §3)', () => {
  let orgId: string;

  beforeAll(async () => {
    orgId = (await proOrganization()).id;
    await createRole(orgId, auditor);
  });

  it.each([
    ['viewer', 200],
    ['employee', 200],
    ['platformOwner', 200],
    ['outsider', 404],
    ['customer', 404],
  ] as const)('GET list and one role: %s → %i', async (who, status) => {
    expect((await call(people[who], 'GET', rolesPath(orgId))).status).toBe(status);
    expect((await call(people[who], 'GET', rolePath(orgId, 'auditor'))).status).toBe(status);
  });

  it.each([
    ['admin', 403],
    ['member', 403],
    ['viewer', 403],
    ['employee', 403],
    ['outsider', 404],
    ['customer', 404],
  ] as const)('POST, PATCH and DELETE: %s → %i, nothing changed', async (who, status) => {
    const before = await storedRoles(orgId);
    expect((await createRole(orgId, { ...auditor, key: `by-${who}` }, people[who])).status).toBe(status);
    expect((await call(people[who], 'PATCH', rolePath(orgId, 'auditor'), { name: 'Taken' })).status).toBe(status);
    expect((await call(people[who], 'DELETE', rolePath(orgId, 'auditor'))).status).toBe(status);
    expect(await storedRoles(orgId)).toEqual(before);
  });

  it('lets the platform OWNER define a role', async () => {
    expect((await createRole(orgId, { ...auditor, key: 'by-platform' }, people.platformOwner)).status).toBe(201);
  });
});

describe('hostile input (contract §8): 400 VALIDATION_FAILED with details, nothing changed', () => {
  let orgId: string;

  beforeAll(async () => {
    orgId = (await proOrganization()).id;
    await createRole(orgId, auditor);
  });

  const createBodies: [string, unknown, string][] = [
    ['an OWNER-only permission', { ...auditor, key: 'x-owner', permissions: ['roles:manage'] }, '/permissions/0'],
    [
      'a permission no member holds',
      { ...auditor, key: 'x-plan', permissions: ['audit:read', 'plan:change'] },
      '/permissions/1',
    ],
    ['an unknown permission', { ...auditor, key: 'x-unknown', permissions: ['everything:all'] }, '/permissions/0'],
    ['a duplicate permission', { ...auditor, key: 'x-dup', permissions: ['audit:read', 'audit:read'] }, '/permissions'],
    ['a built-in name as key', { ...auditor, key: 'admin' }, '/key'],
    ['a key with capitals', { ...auditor, key: 'Auditor2' }, '/key'],
    ['a key of one letter', { ...auditor, key: 'a' }, '/key'],
    ['a key of 41 characters', { ...auditor, key: `a${'b'.repeat(40)}` }, '/key'],
    ['OWNER as base role', { ...auditor, key: 'x-owner-base', baseRole: 'OWNER' }, '/baseRole'],
    ['an unknown field', { ...auditor, key: 'x-field', organizationId: 'org_other' }, '/organizationId'],
    ['holders set by the caller', { ...auditor, key: 'x-holders', holders: 5 }, '/holders'],
    ['permissions as a string', { ...auditor, key: 'x-string', permissions: 'audit:read' }, '/permissions'],
    ['a missing name', { key: 'x-noname', baseRole: 'VIEWER', permissions: [] }, '/name'],
    [
      'a prototype key',
      JSON.parse(`{"key":"x-proto","name":"P","baseRole":"VIEWER","permissions":[],"__proto__":{"a":1}}`),
      '/',
    ],
  ];

  it.each(createBodies)('POST with %s', async (_, body, field) => {
    const before = await storedRoles(orgId);

    const reply = await createRole(orgId, body as Record<string, unknown>);

    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(reply.body.error.details.map((detail: { field: string }) => detail.field)).toContainEqual(
      field === '/' ? expect.any(String) : field,
    );
    expect(reply.body.error.requestId).toEqual(expect.any(String));
    expect(await storedRoles(orgId)).toEqual(before);
  });

  it.each([
    ['an OWNER-only permission', { permissions: ['ownership:transfer'] }],
    ['the key', { key: 'renamed' }],
    ['an empty body', {}],
    ['OWNER as base role', { baseRole: 'OWNER' }],
    ['a null name', { name: null }],
  ])('PATCH with %s', async (_, body) => {
    const before = await storedRoles(orgId);

    const reply = await call(people.owner, 'PATCH', rolePath(orgId, 'auditor'), body);

    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await storedRoles(orgId)).toEqual(before);
  });

  it.each(['malformed json {', '"a string"', '[]'])('POST and PATCH with the body %s', async (body) => {
    const before = await storedRoles(orgId);
    for (const reply of [
      await call(people.owner, 'POST', rolesPath(orgId), body),
      await call(people.owner, 'PATCH', rolePath(orgId, 'auditor'), body),
    ]) {
      expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await storedRoles(orgId)).toEqual(before);
  });

  it.each(['Auditor', 'a', `a${'b'.repeat(40)}`, 'admin%00'])(
    'GET, PATCH and DELETE of the role key %s',
    async (key) => {
      const before = await storedRoles(orgId);
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const reply = await call(
          people.owner,
          method,
          rolePath(orgId, key),
          method === 'PATCH' ? { name: 'N' } : undefined,
        );
        expect({ method, status: reply.status, code: errorCode(reply) }).toEqual({
          method,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      expect(await storedRoles(orgId)).toEqual(before);
    },
  );

  it.each([
    'limit=0',
    'limit=101',
    'limit=ten',
    'cursor=forged',
    `cursor=${Buffer.from('{"pk":"ORG#org_other","sk":"ROLE#x1"}').toString('base64url')}`,
  ])('GET list with %s', async (query) => {
    const reply = await call(people.owner, 'GET', `${rolesPath(orgId)}?${query}`);
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});

describe("a change to a role reaches its holder's next request", () => {
  it('gives and then takes a permission the base role lacks', async () => {
    const { id } = await proOrganization();
    const holder = await testUser();
    await addMember(id, holder, 'VIEWER');
    await createRole(id, auditor);
    const assigned = await call(people.owner, 'PATCH', `/organizations/${id}/members/${holder.userId}`, {
      role: 'auditor',
    });
    expect(assigned.status).toBe(200);
    const held = await documentClient().send(
      new GetCommand({ TableName: tables.organizations(), Key: roleKey(id, 'auditor'), ConsistentRead: true }),
    );
    expect(held.Item?.holders).toBe(1);

    // A VIEWER-ranked auditor reads the audit log (ADMIN for built-in roles)...
    expect((await call(holder, 'GET', `/organizations/${id}/audit-log`)).status).toBe(200);

    expect(
      (await call(people.owner, 'PATCH', rolePath(id, 'auditor'), { permissions: ['organization:read'] })).status,
    ).toBe(200);

    // ...and no longer on the very next request, while what the role still holds keeps working.
    expect(errorCode(await call(holder, 'GET', `/organizations/${id}/audit-log`))).toBe('FORBIDDEN');
    expect((await call(holder, 'GET', `/organizations/${id}`)).status).toBe(200);
  });
});

describe('ownership transferred to a custom role holder', () => {
  it("gives the role's holder back, so the role can then be deleted", async () => {
    const { id } = await proOrganization();
    const holder = await testUser();
    await addMember(id, holder, 'VIEWER');
    await createRole(id, auditor);
    expect(
      (await call(people.owner, 'PATCH', `/organizations/${id}/members/${holder.userId}`, { role: 'auditor' })).status,
    ).toBe(200);

    const transferred = await call(people.owner, 'POST', `/organizations/${id}/transfer-ownership`, {
      userId: holder.userId,
    });

    expect(transferred.status).toBe(200);
    expect((await storedRoles(id)).items).toEqual([expect.objectContaining({ key: 'auditor', holders: 0 })]);
    expect((await call(holder, 'DELETE', rolePath(id, 'auditor'))).status).toBe(204);
  });
});
