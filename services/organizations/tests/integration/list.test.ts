import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, errorCode, eventually, testUser } from '@tenantry/local-platform/testing';
import type { Organization, OrganizationPage } from '@tenantry/models';
import { auditEntries, type Cast, cast, createOrganization } from '../support';

let people: Cast;
const created: Organization[] = [];

beforeAll(async () => {
  people = await cast();
  for (let index = 0; index < 5; index++) created.push(await createOrganization(people.owner, `Listed ${index}`));
  await call(people.employee, 'POST', `/organizations/${created[1]!.id}/suspend`);
  await call(people.owner, 'DELETE', `/organizations/${created[2]!.id}`);
}, 60_000);

async function everyPage(user = people.employee, query = '', limit = 2) {
  const seen: Organization[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const suffix: string = `limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply = await call<OrganizationPage>(user, 'GET', `/organizations?${suffix}`);
    expect(reply.status).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    pages += 1;
  } while (cursor && pages < 1000);
  return seen;
}

describe('GET /organizations', () => {
  it('pages through every organization exactly once', async () => {
    const seen = await everyPage(people.employee, '', 50);
    const ids = seen.map((organization) => organization.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const organization of created) expect(ids).toContain(organization.id);
    const item = seen.find((organization) => organization.id === created[0]!.id);
    expect(item).toMatchObject({ name: 'Listed 0', usage: { members: 1, applications: 0 }, status: 'ACTIVE' });
    expect(JSON.stringify(seen)).not.toContain('encryptedDataKey');
  });

  it('filters by status', async () => {
    const suspended = await everyPage(people.platformOwner, '&status=SUSPENDED', 100);
    expect(suspended.every((organization) => organization.status === 'SUSPENDED')).toBe(true);
    expect(suspended.map((organization) => organization.id)).toContain(created[1]!.id);
    const deleted = await everyPage(people.platformOwner, '&status=DELETED', 100);
    expect(deleted.map((organization) => organization.id)).toContain(created[2]!.id);
    expect(deleted.map((organization) => organization.id)).not.toContain(created[0]!.id);
  });

  it('says nextCursor null on the last page, and small pages chain', async () => {
    const small = await everyPage(people.employee, '&status=SUSPENDED', 1);
    const large = await everyPage(people.employee, '&status=SUSPENDED', 100);
    expect(small.map((organization) => organization.id)).toEqual(large.map((organization) => organization.id));
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['base64 of something else', Buffer.from('{"pk":"ORG#x","sk":"ORG"}').toString('base64url')],
    [
      'a forged position',
      Buffer.from(JSON.stringify({ v: 1, s: null, p: 'ACTIVE#not-a-date#org_x' })).toString('base64url'),
    ],
    ['an extra field', Buffer.from(JSON.stringify({ v: 1, s: null, p: 'x', k: {} })).toString('base64url')],
  ])('answers 400 VALIDATION_FAILED (never 500) for %s as a cursor', async (_case, cursor) => {
    const reply = await call(people.employee, 'GET', `/organizations?cursor=${encodeURIComponent(cursor)}`);
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('VALIDATION_FAILED');
  });

  it('answers 400 for a cursor issued for another status filter', async () => {
    const first = await call<OrganizationPage>(people.employee, 'GET', '/organizations?limit=1&status=ACTIVE');
    expect(first.body.nextCursor).toBeTruthy();
    const cursor = encodeURIComponent(first.body.nextCursor!);
    const reply = await call(people.employee, 'GET', `/organizations?status=DELETED&cursor=${cursor}`);
    expect(reply.status).toBe(400);
  });

  it('answers 400 for a bad status or limit', async () => {
    expect((await call(people.employee, 'GET', '/organizations?status=GONE')).status).toBe(400);
    expect((await call(people.employee, 'GET', '/organizations?limit=101')).status).toBe(400);
    expect((await call(people.employee, 'GET', '/organizations?limit=0')).status).toBe(400);
  });

  it('audits each organization a staff member listed (platform.access)', async () => {
    const own = await createOrganization(await testUser(), 'Audited by listing');
    await everyPage(people.employee, '', 100);
    const entries = await eventually(async () => {
      const found = await auditEntries(own.id);
      return found.some((item) => item.type === 'platform.access') ? found : undefined;
    });
    const access = entries.find((item) => item.type === 'platform.access');
    expect(access).toMatchObject({ actor: { kind: 'platform', id: people.employee.userId } });
  });
});
