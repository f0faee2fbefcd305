// POST /organizations/{orgId}/notifications: who may send, who receives (ACTIVE members matching the
// audience, nobody else, no membership oracle), 1,000 members, the queued continuation, Idempotency-Key.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import { documentClient } from '@tenantry/dynamo';
import { newId } from '@tenantry/models';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { dynamoBroadcastRepository } from '../src/data/broadcast-repository';
import { eventBridgeContinuationQueue } from '../src/data/continuation-queue';
import { dynamoInboxRepository } from '../src/data/inbox-repository';
import { dynamoMemberDirectory } from '../src/data/member-directory';
import { sendOrganizationNotification } from '../src/domain/broadcast';
import type { Dependencies } from '../src/domain/ports';
import {
  allNotifications,
  createOrganization,
  eventually,
  expectStatus,
  http,
  join,
  type TestUser,
  testUser,
  unreadCount,
  unreadOf,
  writeMembers,
} from './support';

// Each test makes tens of requests through the local platform (cold functions included) on a shared
// two-core machine, and waits for events to cross the local bus: more than the default 30 s.
jest.setTimeout(120_000);

const message = { title: 'Maintenance tonight', body: 'The ERP sync pauses from 22:00 to 23:00 UTC.' };

/** How many of `userIds` have exactly `expected` unread notifications (the service's own count). */
async function countWith(userIds: string[], expected: number): Promise<number> {
  let matching = 0;
  for (let start = 0; start < userIds.length; start += 50) {
    const counts = await Promise.all(userIds.slice(start, start + 50).map((userId) => unreadOf(userId)));
    matching += counts.filter((count) => count === expected).length;
  }
  return matching;
}

describe('organization broadcast', () => {
  it('reaches every ACTIVE member of an organization of 1,000 members, each exactly once', async () => {
    // Arrange: the OWNER plus 1,000 members written straight into the memberships table
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    const members = await writeMembers(orgId, 1000);

    // Act
    const reply = await http('POST', `/organizations/${orgId}/notifications`, {
      token: owner.token,
      body: { ...message, audience: {} },
    });

    // Assert
    expect(expectStatus(reply, 201, 'broadcast')).toEqual({ recipients: 1001 });
    await eventually(async () => ((await countWith(members, 1)) === 1000 ? true : undefined));
    const [mine] = await allNotifications(owner);
    expect(mine).toMatchObject({ ...message, type: 'organization.message', organizationId: orgId, read: false });
    expect(await unreadCount(owner)).toBe(1);
  }, 180_000);

  it('sends to the roles and the ACTIVE members named, and silently ignores anyone else', async () => {
    // Arrange
    const owner = await testUser();
    const [admin, member, viewer, outsider] = await Promise.all([testUser(), testUser(), testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, admin, 'ADMIN');
    await join(owner, orgId, member, 'MEMBER');
    await join(owner, orgId, viewer, 'VIEWER');
    await createOrganization(outsider);

    // Act: ADMINs, plus the member and two ids that are not members here
    const body = {
      ...message,
      audience: { roles: ['ADMIN'], userIds: [member.userId, outsider.userId, `nobody-${randomUUID()}`] },
    };
    const reply = await http('POST', `/organizations/${orgId}/notifications`, { token: admin.token, body });
    const withoutStrangers = await http('POST', `/organizations/${orgId}/notifications`, {
      token: admin.token,
      body: { ...body, audience: { roles: ['ADMIN'], userIds: [member.userId] } },
    });

    // Assert: the same answer with or without the strangers (no membership oracle)
    expect(expectStatus(reply, 201, 'broadcast')).toEqual({ recipients: 2 });
    expect(withoutStrangers.body).toEqual(reply.body);
    // (The OWNER and the ADMIN also hear of the members joining: only the broadcasts count here.)
    const messages = async (user: TestUser) =>
      (await allNotifications(user)).filter((item) => item.type === 'organization.message').length;
    expect(await messages(admin)).toBe(2);
    expect(await messages(member)).toBe(2);
    expect(await messages(viewer)).toBe(0);
    expect(await messages(owner)).toBe(0);
    expect(await allNotifications(outsider)).toEqual([]);
  });

  it('is refused to a MEMBER (403), a non-member (404), on a suspended organization (403), and for a bad body (400)', async () => {
    const owner = await testUser();
    const [member, stranger] = await Promise.all([testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, member, 'MEMBER');
    const send = (user: TestUser, body: unknown = { ...message, audience: {} }) =>
      http('POST', `/organizations/${orgId}/notifications`, { token: user.token, body });

    const asMember = await send(member);
    const asStranger = await send(stranger);
    const missing = await http('POST', `/organizations/org_${randomUUID().replaceAll('-', '')}/notifications`, {
      token: stranger.token,
      body: { ...message, audience: {} },
    });
    expect(asMember.status).toBe(403);
    expect(asMember.body.error.code).toBe('FORBIDDEN');
    expect(asStranger.status).toBe(404);
    expect({ ...asStranger.body.error, requestId: undefined }).toEqual({ ...missing.body.error, requestId: undefined });

    for (const body of [
      { ...message },
      { ...message, audience: {}, extra: true },
      { ...message, title: '', audience: {} },
      { ...message, audience: { roles: ['KING'] } },
      { ...message, audience: { userIds: ['a', 'a'] } },
      { ...message, audience: {}, organizationId: 'org_other' },
    ]) {
      const reply = await send(owner, body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    }
    const messages = (await allNotifications(member)).filter((item) => item.type === 'organization.message');
    expect(messages).toEqual([]);

    const staff = await testUser({ group: 'OWNER' });
    expectStatus(await http('POST', `/organizations/${orgId}/suspend`, { token: staff.token }), 200, 'suspend');
    const suspended = await send(owner);
    expect(suspended.status).toBe(403);
    expect(suspended.body.error.code).toBe('ORGANIZATION_SUSPENDED');
  });

  it('lets the platform OWNER send without a membership', async () => {
    const owner = await testUser();
    const staff = await testUser({ group: 'OWNER' });
    const orgId = await createOrganization(owner);

    const reply = await http('POST', `/organizations/${orgId}/notifications`, {
      token: staff.token,
      body: { ...message, audience: { roles: ['OWNER'] } },
    });

    expect(expectStatus(reply, 201, 'broadcast')).toEqual({ recipients: 1 });
    const [received] = await allNotifications(owner);
    expect(received.data.sentBy).toEqual({ kind: 'user', id: staff.userId });
  });

  it('accepts an API key of the organization with notifications:send, and answers 404 to a key of another one', async () => {
    // Arrange: an application whose keys carry notifications:send in each of two organizations
    const [owner, otherOwner] = await Promise.all([testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    const otherOrg = await createOrganization(otherOwner);
    const scopes = ['applications:self', 'notifications:send'];
    const application = expectStatus(
      await http('POST', `/organizations/${orgId}/applications`, {
        token: owner.token,
        body: { name: 'Alerts', scopes },
      }),
      201,
      'application',
    );
    const foreign = expectStatus(
      await http('POST', `/organizations/${otherOrg}/applications`, {
        token: otherOwner.token,
        body: { name: 'Other', scopes },
      }),
      201,
      'other application',
    );

    // Act
    const sent = await http('POST', `/organizations/${orgId}/notifications`, {
      headers: { 'x-api-key': application.apiKey },
      body: { ...message, audience: {} },
    });
    const crossTenant = await http('POST', `/organizations/${orgId}/notifications`, {
      headers: { 'x-api-key': foreign.apiKey },
      body: { ...message, audience: {} },
    });

    // Assert
    expect(expectStatus(sent, 201, 'broadcast by key')).toEqual({ recipients: 1 });
    const [received] = await allNotifications(owner);
    expect(received.data.sentBy).toEqual({ kind: 'application', id: application.application.id });
    expect(crossTenant.status).toBe(404);
    expect(await allNotifications(otherOwner)).toEqual([]);
  });

  it('replays a request with the same Idempotency-Key (one notification each) and refuses another body with it', async () => {
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    const key = randomUUID();
    const send = (body: unknown) =>
      http('POST', `/organizations/${orgId}/notifications`, {
        token: owner.token,
        body,
        headers: { 'idempotency-key': key },
      });

    const first = await send({ ...message, audience: {} });
    const replay = await send({ ...message, audience: {} });
    const other = await send({ ...message, title: 'Another', audience: {} });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await unreadCount(owner)).toBe(1);
  });

  it('hands what a request could not deliver in time to the queued continuation, which completes it', async () => {
    // Arrange: 250 members; the use case runs here, on the real tables, with no time budget (it
    // settles one round of 100), and its queue records what it hands over
    const owner = await testUser();
    const orgId = await createOrganization(owner);
    const members = await writeMembers(orgId, 250);
    const queued: Array<[string, string]> = [];
    const deps = {
      inbox: dynamoInboxRepository(documentClient()),
      members: dynamoMemberDirectory(documentClient()),
      broadcasts: dynamoBroadcastRepository(documentClient()),
      continuations: { enqueue: async (org: string, broadcastId: string) => void queued.push([org, broadcastId]) },
      now: () => new Date(),
      newId,
      budgetMs: 0,
    } as unknown as Dependencies;
    const context = {
      scope: 'organization',
      organizationId: orgId,
      principal: { kind: 'user', id: owner.userId, email: owner.email, emailVerified: true, groups: [] },
    } as unknown as OrganizationSecurityContext;

    // Act 1: the request
    const answer = await sendOrganizationNotification(deps, context, { ...message, audience: {} });

    // Assert 1: every recipient counted, one round delivered, the rest queued once
    expect(answer).toEqual({ recipients: 251 });
    expect((await countWith(members, 1)) + (await unreadOf(owner.userId))).toBe(100);
    expect(queued).toHaveLength(1);
    expect(queued[0]![0]).toBe(orgId);

    // Act 2: the continuation message on the real queue (the local bus invokes continueBroadcast)
    await eventBridgeContinuationQueue.enqueue(orgId, queued[0]![1]);

    // Assert 2: everyone has it exactly once
    await eventually(async () => ((await countWith(members, 1)) === 250 ? true : undefined));
    expect(await countWith(members, 2)).toBe(0);
    expect(await unreadCount(owner)).toBe(1);
  }, 120_000);
});
