// POST /me/notifications/read-all on 5,000 unread notifications: done in conditional batches (each
// with its counter decrement in one transaction), within one request, and resumable when cut short.
import { describe, expect, it } from '@jest/globals';
import { documentClient } from '@tenantry/dynamo';
import type { UserSecurityContext } from '@tenantry/security';
import { dynamoInboxRepository } from '../src/data/inbox-repository';
import { markAllNotificationsRead } from '../src/domain/inbox';
import { type NotificationRecord, userInbox } from '../src/domain/model';
import type { Dependencies } from '../src/domain/ports';
import { expiresAtFor, notificationId } from '../src/domain/rules';
import { allNotifications, expectStatus, http, inbox, type TestUser, testUser, unreadCount } from './support';

/**
 * `count` unread notifications delivered to `user` through the service's own repository (the code
 * path of the event consumers, counter included) against DynamoDB Local: 5,000 events or broadcasts
 * over HTTP would take far longer than the behaviour under test.
 */
async function deliverMany(user: TestUser, count: number): Promise<void> {
  const now = Date.now();
  const records: NotificationRecord[] = Array.from({ length: count }, (_, index) => {
    const createdAt = now - (count - index) * 1000;
    return {
      id: notificationId(createdAt, `${user.userId}|${index}`),
      address: userInbox(user.userId),
      organizationId: 'org_readall',
      type: 'organization.message',
      title: `Bulk ${index}`,
      body: 'bulk',
      data: {},
      read: false,
      createdAt: new Date(createdAt).toISOString(),
      expiresAt: expiresAtFor(createdAt),
    };
  });
  const created = await inbox().deliver(
    records.map((notification) => ({ notification })),
    new Date(),
  );
  expect(created).toBe(count);
}

/** The caller as the security layer would hand it to the use case. */
const contextOf = (user: TestUser): UserSecurityContext => ({
  scope: 'user',
  action: 'me:write',
  requestId: 'test',
  platformGroups: [],
  access: 'user',
  principal: { kind: 'user', id: user.userId, email: user.email, emailVerified: true, groups: [] },
});

describe('read-all', () => {
  it('marks 5,000 unread notifications read without a timeout, and the counter reaches 0', async () => {
    // Arrange
    const user = await testUser();
    await deliverMany(user, 5000);
    expect(await unreadCount(user)).toBe(5000);

    // Act: read-all until it says it is complete. Each call answers within its time budget; on an
    // idle machine the first call does all 5,000 (a loaded one may need a second: it resumes).
    const replies: Array<{ updated: number; complete: boolean }> = [];
    do {
      replies.push(
        expectStatus(await http('POST', '/me/notifications/read-all', { token: user.token }), 200, 'read-all'),
      );
    } while (!replies.at(-1)!.complete && replies.length < 10);

    // Assert
    expect(replies.at(-1)!.complete).toBe(true);
    expect(replies.reduce((sum, reply) => sum + reply.updated, 0)).toBe(5000);
    expect(replies.slice(0, -1).every((reply) => reply.updated > 0)).toBe(true);
    expect(await unreadCount(user)).toBe(0);
    expect(await allNotifications(user, true)).toEqual([]);
    const again = await http('POST', '/me/notifications/read-all', { token: user.token });
    expect(again.body).toEqual({ updated: 0, complete: true });
  }, 300_000);

  it('is resumable: a run cut short leaves finished batches done and the counter exact, the next call finishes', async () => {
    // Arrange
    const user = await testUser();
    await deliverMany(user, 450);

    // Act: the use case with no time budget at all (an interrupted run does its first batch only)
    const deps = { inbox: dynamoInboxRepository(documentClient()), now: () => new Date(), budgetMs: 0 };
    const cut = await markAllNotificationsRead(deps as unknown as Dependencies, contextOf(user));

    // Assert: something, not everything, and the count matches what is left
    expect(cut).toEqual({ updated: 99, complete: false });
    expect(await unreadCount(user)).toBe(450 - cut.updated);
    expect((await allNotifications(user, true)).length).toBe(450 - cut.updated);

    // …then the route finishes the rest
    const rest = expectStatus(await http('POST', '/me/notifications/read-all', { token: user.token }), 200, 'rest');
    expect(rest).toEqual({ updated: 450 - cut.updated, complete: true });
    expect(await unreadCount(user)).toBe(0);
  }, 120_000);
});
