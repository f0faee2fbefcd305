// GET /me/notifications (newest first, cursor pages, ?unread=true), the unread count, marking one
// and all read, and the inbox of a verified email merged into its holder's inbox.
import { describe, expect, it, jest } from '@jest/globals';
import { emailInbox } from '../src/domain/model';
import {
  allNotifications,
  createOrganization,
  eventually,
  expectStatus,
  http,
  sendTo,
  testUser,
  unreadCount,
  unreadOf,
} from './support';

// Each test makes tens of requests through the local platform (cold functions included) on a shared
// two-core machine, and waits for events to cross the local bus: more than the default 30 s.
jest.setTimeout(120_000);

describe('my inbox', () => {
  it('lists my notifications newest first, page by page, with nothing skipped or repeated', async () => {
    // Arrange: 25 notifications, one broadcast each
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    for (let index = 0; index < 25; index++) await sendTo(owner, orgId, [owner.userId], `Message ${index}`);

    // Act: pages of 10
    const pages = [];
    let cursor: string | null = null;
    do {
      const path: string = `/me/notifications?limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const page = expectStatus(await http('GET', path, { token: owner.token }), 200, 'page');
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);

    // Assert
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    const titles = pages.flat().map((item) => item.title);
    expect(titles).toEqual(Array.from({ length: 25 }, (_, index) => `Message ${24 - index}`));
    expect(pages.flat()[0]).toMatchObject({
      userId: owner.userId,
      organizationId: orgId,
      type: 'organization.message',
      body: 'Message 24 body',
      read: false,
    });
    const first = pages.flat()[0];
    const ninetyDays = Date.parse(first.createdAt) + 90 * 86_400_000;
    expect(Date.parse(first.expiresAt)).toBeGreaterThanOrEqual(ninetyDays);
    expect(Date.parse(first.expiresAt)).toBeLessThanOrEqual(ninetyDays + 86_400_000);
  });

  it('lists only unread ones with ?unread=true and counts them', async () => {
    // Arrange
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    for (let index = 0; index < 6; index++) await sendTo(owner, orgId, [owner.userId], `N${index}`);
    const all = await allNotifications(owner);
    expect(await unreadCount(owner)).toBe(6);

    // Act: read two of them
    for (const item of [all[1], all[4]]) {
      const read = expectStatus(
        await http('POST', `/me/notifications/${item.id}/read`, { token: owner.token }),
        200,
        'read',
      );
      expect(read).toMatchObject({ id: item.id, read: true });
      expect(typeof read.readAt).toBe('string');
    }

    // Assert
    const unread = await allNotifications(owner, true, 3);
    expect(unread.map((item) => item.id)).toEqual([all[0].id, all[2].id, all[3].id, all[5].id]);
    expect(await unreadCount(owner)).toBe(4);
    expect((await allNotifications(owner)).filter((item) => item.read).map((item) => item.id)).toEqual([
      all[1].id,
      all[4].id,
    ]);
  });

  it('marks one read idempotently: the count drops once', async () => {
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    await sendTo(owner, orgId, [owner.userId]);
    const [item] = await allNotifications(owner);

    const replies = await Promise.all(
      [1, 2, 3].map(() => http('POST', `/me/notifications/${item.id}/read`, { token: owner.token })),
    );

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200]);
    expect(replies.every((reply) => reply.body.read === true)).toBe(true);
    expect(await unreadCount(owner)).toBe(0);
  });

  it("answers 404 for another user's notification, an unknown id and a malformed id, and changes nothing", async () => {
    const owner = await testUser();
    const stranger = await testUser();
    const orgId = await createOrganization(owner);
    await sendTo(owner, orgId, [owner.userId]);
    const [item] = await allNotifications(owner);

    for (const id of [item.id, 'ntf_0000000000000000000000000000000000', 'not-a-notification']) {
      const reply = await http('POST', `/me/notifications/${id}/read`, { token: stranger.token });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('NOT_FOUND');
    }
    expect(await unreadCount(owner)).toBe(1);
    expect(await allNotifications(stranger)).toEqual([]);
  });

  it('answers 400 for a forged or foreign cursor and for a bad ?unread=', async () => {
    const owner = await testUser();
    const forged = Buffer.from(JSON.stringify({ pk: 'INBOX#USER#someone-else', sk: 'N#x' })).toString('base64url');
    const notACursor = Buffer.from(JSON.stringify({ sk: 'AUDIT#2025' })).toString('base64url');

    for (const query of [`cursor=${forged}`, `cursor=${notACursor}`, 'cursor=%25%25', 'unread=maybe', 'limit=101']) {
      const reply = await http('GET', `/me/notifications?${query}`, { token: owner.token });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 401 without a token', async () => {
    for (const [method, path] of [
      ['GET', '/me/notifications'],
      ['GET', '/me/notifications/unread-count'],
      ['POST', '/me/notifications/read-all'],
    ] as const) {
      expect((await http(method, path)).status).toBe(401);
    }
  });

  it('shows an invitation sent before I had an account to whoever holds that verified email, merged by time', async () => {
    // Arrange: the invitation is addressed to an email nobody has yet
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    const email = `late-${Date.now()}@example.test`;
    expectStatus(
      await http('POST', `/organizations/${orgId}/invitations`, {
        token: owner.token,
        body: { email, role: 'MEMBER' },
      }),
      201,
      'invite',
    );

    // Act: Ana signs up with that (verified) email, joins another organization and gets a message there
    const ana = await testUser({ email });
    const other = await testUser();
    const otherOrg = await createOrganization(other);
    const { body: invitations } = await http('GET', '/me/invitations', { token: ana.token });
    expect(invitations.items).toHaveLength(1);
    const invitation = expectStatus(
      await http('POST', `/organizations/${otherOrg}/invitations`, {
        token: other.token,
        body: { email: ana.email, role: 'MEMBER' },
      }),
      201,
      'second invite',
    );
    expectStatus(await http('POST', `/me/invitations/${invitation.id}/accept`, { token: ana.token }), 200, 'accept');
    await sendTo(other, otherOrg, [ana.userId], 'Welcome');

    // Assert: both invitations (email inbox) and the message (user inbox), newest first, all counted
    const items = await eventually(async () => {
      const found = await allNotifications(ana);
      return found.length === 3 ? found : undefined;
    });
    expect(items.map((item) => item.type)).toEqual([
      'organization.message',
      'invitation.created',
      'invitation.created',
    ]);
    expect(items.map((item) => item.organizationId)).toEqual([otherOrg, otherOrg, orgId]);
    expect(items.every((item) => item.userId === ana.userId)).toBe(true);
    expect(await unreadCount(ana)).toBe(3);

    // …and one page of 2 then one of 1 across both inboxes
    const first = expectStatus(await http('GET', '/me/notifications?limit=2', { token: ana.token }), 200, 'page 1');
    const second = expectStatus(
      await http('GET', `/me/notifications?limit=2&cursor=${first.nextCursor}`, { token: ana.token }),
      200,
      'page 2',
    );
    expect([...first.items, ...second.items].map((item: { id: string }) => item.id)).toEqual(
      items.map((item) => item.id),
    );
    expect(second.nextCursor).toBeNull();
    // ana's cursor is ana's: another user's request with it is a 400, like every foreign cursor
    const foreign = await http('GET', `/me/notifications?limit=2&cursor=${first.nextCursor}`, { token: other.token });
    expect([foreign.status, foreign.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);

    // Marking the email's notification read is mine to do, and counted
    const read = await http('POST', `/me/notifications/${items[2].id}/read`, { token: ana.token });
    expect(read.status).toBe(200);
    expect(await unreadCount(ana)).toBe(2);
  });

  it('does not show an email inbox to a token whose email is not verified', async () => {
    // Arrange: an invitation to an email, and its notification stored in that email's inbox
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    const email = `unverified-${Date.now()}@example.test`;
    expectStatus(
      await http('POST', `/organizations/${orgId}/invitations`, {
        token: owner.token,
        body: { email, role: 'MEMBER' },
      }),
      201,
      'invite',
    );
    await eventually(async () => ((await unreadOf('', emailInbox(email))) === 1 ? true : undefined));

    // Act: a user whose token carries that email unverified
    const unverified = await testUser({ email, emailVerified: false });

    // Assert
    expect(await allNotifications(unverified)).toEqual([]);
    expect(await unreadCount(unverified)).toBe(0);
  });
});
