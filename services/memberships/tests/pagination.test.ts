// Paginated lists (contract §5): ?limit&cursor, an opaque cursor; a forged or foreign cursor answers
// 400, never 500 and never another tenant's (or user's) data.

import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, type Reply, testUser } from '@tenantry/local-platform/testing';
import { accept, createOrganization, invite, join, randomEmail, type TestOrganization } from './support/fixtures';

let org: TestOrganization;
let other: TestOrganization;

beforeAll(async () => {
  org = await createOrganization({ plan: 'PRO' });
  other = await createOrganization({ plan: 'PRO' });
  await Promise.all([join(org, 'MEMBER'), join(org, 'MEMBER'), join(org, 'VIEWER'), join(org, 'ADMIN')]);
  await Promise.all([join(other, 'MEMBER'), join(other, 'MEMBER')]);
  for (let i = 0; i < 5; i++) await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
}, 60_000);

async function all(path: string, token: string, limit: number, extra = '') {
  const seen: { userId?: string; id?: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `?limit=${limit}${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply: Reply = await call(token, 'GET', `${path}${query}`);
    expect(reply.status).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  return { seen, pages };
}

describe('pagination', () => {
  it('pages through every member exactly once', async () => {
    const { seen, pages } = await all(`/organizations/${org.id}/members`, org.owner.token, 2);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((item) => item.userId)).size).toBe(5);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('pages through every invitation exactly once, oldest first', async () => {
    const { seen } = await all(`/organizations/${org.id}/invitations`, org.owner.token, 2);
    expect(seen).toHaveLength(9); // 4 ACCEPTED (the members) + 5 PENDING
    expect(new Set(seen.map((item) => item.id)).size).toBe(9);
    const ids = seen.map((item) => item.id!);
    expect([...ids].sort()).toEqual(ids);
  });

  it('filters by status across pages', async () => {
    const { seen } = await all(`/organizations/${org.id}/invitations`, org.owner.token, 2, '&status=PENDING');
    expect(seen).toHaveLength(5);
    expect(seen.every((item) => (item as { status?: string }).status === 'PENDING')).toBe(true);
  });

  it('answers 20 items by default and null as the last cursor', async () => {
    const reply = await call(org.owner.token, 'GET', `/organizations/${org.id}/members`);
    expect(reply.body.items).toHaveLength(5);
    expect(reply.body.nextCursor).toBeNull();
  });

  it('refuses a cursor of another organization with 400 (never its data)', async () => {
    const foreign = await call(other.owner.token, 'GET', `/organizations/${other.id}/members?limit=1`);
    expect(foreign.body.nextCursor).toEqual(expect.any(String));
    const reply = await call(
      org.owner.token,
      'GET',
      `/organizations/${org.id}/members?cursor=${encodeURIComponent(foreign.body.nextCursor)}`,
    );
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a cursor of another list or another user with 400', async () => {
    const members = await call(org.owner.token, 'GET', `/organizations/${org.id}/members?limit=1`);
    const asInvitations = await call(
      org.owner.token,
      'GET',
      `/organizations/${org.id}/invitations?cursor=${encodeURIComponent(members.body.nextCursor)}`,
    );
    expect(asInvitations.status).toBe(400);

    const owner = await testUser();
    await createOrganization({ owner });
    await createOrganization({ owner });
    const mine = await call(owner.token, 'GET', '/me/organizations?limit=1');
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
    const stranger = await testUser();
    const stolen = await call(
      stranger.token,
      'GET',
      `/me/organizations?cursor=${encodeURIComponent(mine.body.nextCursor)}`,
    );
    expect(stolen.status).toBe(400);
    const next = await call(
      owner.token,
      'GET',
      `/me/organizations?limit=1&cursor=${encodeURIComponent(mine.body.nextCursor)}`,
    );
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].organizationId).not.toBe(mine.body.items[0].organizationId);
  });

  it("refuses a well-formed cursor of the caller's own /me lists that points at another organization", async () => {
    const cursorOf = (key: Record<string, string>) =>
      encodeURIComponent(Buffer.from(JSON.stringify(key)).toString('base64url'));
    const invitee = await testUser();
    const invited = await invite(org.id, org.owner.token, invitee.email, 'VIEWER');
    const foreign = await invite(other.id, other.owner.token, randomEmail(), 'VIEWER');
    expect([invited.status, foreign.status]).toEqual([201, 201]);
    const userId = org.owner.userId;
    const forged: [string, string, string][] = [
      // The owner of `org` is no member of `other`: a membership key of theirs there names nothing.
      [
        org.owner.token,
        '/me/organizations',
        cursorOf({
          gsi1pk: `USER#${userId}`,
          gsi1sk: `ORG#${other.id}`,
          pk: `ORG#${other.id}`,
          sk: `MEMBER#${userId}`,
        }),
      ],
      // Another organization's invitation, addressed to someone else, placed in the invitee's index.
      [
        invitee.token,
        '/me/invitations',
        cursorOf({
          gsi2pk: `INVITEE#${invitee.email.toLowerCase()}`,
          gsi2sk: `${foreign.body.createdAt}#${foreign.body.id}`,
          pk: `ORG#${other.id}`,
          sk: `INVITATION#${foreign.body.id}`,
        }),
      ],
    ];
    for (const [token, path, cursor] of forged) {
      const reply = await call(token, 'GET', `${path}?cursor=${cursor}`);
      expect({ path, status: reply.status, code: reply.body.error?.code, details: reply.body.error?.details }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [{ field: '/cursor', message: 'is not a cursor of this list' }],
      });
    }
    // The invitee's own cursor still pages, even after the invitation it names left PENDING.
    await invite(other.id, other.owner.token, invitee.email, 'VIEWER');
    const first = await call(invitee.token, 'GET', '/me/invitations?limit=1');
    expect({ status: first.status, cursor: typeof first.body.nextCursor }).toEqual({ status: 200, cursor: 'string' });
    expect((await accept(first.body.items[0].id, invitee.token)).status).toBe(200);
    const next = await call(
      invitee.token,
      'GET',
      `/me/invitations?cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(next.status).toBe(200);
    expect(next.body.items.map((item: { id: string }) => item.id)).not.toContain(first.body.items[0].id);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['a forged key', Buffer.from(JSON.stringify({ pk: 'ORG#x', sk: 'MEMBER#y' })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['too long', 'a'.repeat(3000)],
    ['bad characters', '%00%01'],
  ])('refuses %s with 400, never 500', async (_name, cursor) => {
    for (const path of [
      `/organizations/${org.id}/members`,
      `/organizations/${org.id}/invitations`,
      '/me/organizations',
      '/me/invitations',
    ]) {
      const reply = await call(org.owner.token, 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`);
      expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
