// The event consumers: each §7 event becomes the notifications of the §7 list and exactly one audit
// entry, driven by real actions of the organizations and memberships services, or by events published
// on the local bus as a service publishes them. Redeliveries (at-least-once) create nothing twice.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import { documentClient } from '@tenantry/dynamo';
import type { DomainEvent } from '@tenantry/events';
import { dynamoAuditRepository } from '../src/data/audit-repository';
import { dynamoInboxRepository } from '../src/data/inbox-repository';
import { dynamoMemberDirectory } from '../src/data/member-directory';
import { dynamoEventReceipts } from '../src/data/receipts-repository';
import { MalformedEventError, notifyRecipients, recordAuditEvent } from '../src/domain/consumers';
import type { Dependencies } from '../src/domain/ports';
import {
  allNotifications,
  createOrganization,
  eventually,
  expectStatus,
  http,
  join,
  type Loose,
  newEventId,
  publish,
  storedAudit,
  type TestUser,
  testUser,
  unreadCount,
} from './support';

// Each test makes tens of requests through the local platform (cold functions included) on a shared
// two-core machine, and waits for events to cross the local bus: more than the default 30 s.
jest.setTimeout(120_000);

/** My notifications of one type, once at least `count` of them have arrived. */
async function arrived(user: TestUser, type: string, count = 1): Promise<Loose[]> {
  return eventually(async () => {
    const found = (await allNotifications(user)).filter((item) => item.type === type);
    return found.length >= count ? found : undefined;
  });
}

const typesOf = async (user: TestUser) => (await allNotifications(user)).map((item) => item.type).sort();

/** The consumers' use cases wired to the real tables, run in this process (deterministic redeliveries). */
const consumerDeps = (): Dependencies =>
  ({
    inbox: dynamoInboxRepository(documentClient()),
    audit: dynamoAuditRepository(documentClient()),
    receipts: dynamoEventReceipts(documentClient()),
    members: dynamoMemberDirectory(documentClient()),
    now: () => new Date(),
  }) as unknown as Dependencies;

describe('notifications from the events of real actions', () => {
  it('tells the invitee (by verified email), then the OWNER and ADMINs that a member joined, never the joiner', async () => {
    // Arrange
    const [owner, admin, member] = await Promise.all([testUser(), testUser(), testUser()]);
    const orgId = await createOrganization(owner);

    // Act + Assert: the admin is invited, sees it, accepts; the OWNER hears of it
    await join(owner, orgId, admin, 'ADMIN');
    const [invited] = await arrived(admin, 'invitation.created');
    expect(invited).toMatchObject({ organizationId: orgId, data: { email: admin.email, role: 'ADMIN' } });
    const [joined] = await arrived(owner, 'invitation.accepted');
    expect(joined).toMatchObject({ title: 'A member joined', data: { userId: admin.userId, role: 'ADMIN' } });

    // …then a member joins: OWNER and ADMIN are told, the member only had the invitation
    await join(owner, orgId, member, 'MEMBER');
    await arrived(owner, 'invitation.accepted', 2);
    const [adminHears] = await arrived(admin, 'invitation.accepted');
    expect(adminHears.data.userId).toBe(member.userId);
    await arrived(member, 'invitation.created');
    expect(await typesOf(member)).toEqual(['invitation.created']);

    // Each event is in the audit log exactly once
    const audit = await eventually(async () => {
      const entries = await storedAudit(orgId);
      return entries.filter((entry) => entry.type === 'invitation.accepted').length === 2 ? entries : undefined;
    });
    const ids = audit.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(audit.filter((entry) => entry.type === 'invitation.created')).toHaveLength(2);
  });

  it('tells the affected member of a role change and of a removal, and the OWNER and ADMINs of a member leaving', async () => {
    const [owner, changed, removed, leaver] = await Promise.all([testUser(), testUser(), testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, changed, 'MEMBER');
    await join(owner, orgId, removed, 'MEMBER');
    await join(owner, orgId, leaver, 'VIEWER');

    expectStatus(
      await http('PATCH', `/organizations/${orgId}/members/${changed.userId}`, {
        token: owner.token,
        body: { role: 'VIEWER' },
      }),
      200,
      'role change',
    );
    expectStatus(
      await http('DELETE', `/organizations/${orgId}/members/${removed.userId}`, { token: owner.token }),
      204,
      'remove',
    );
    expectStatus(await http('POST', `/organizations/${orgId}/leave`, { token: leaver.token }), 204, 'leave');

    const [roleChanged] = await arrived(changed, 'member.role_changed');
    expect(roleChanged).toMatchObject({
      title: 'Your role changed',
      body: 'Your role changed from MEMBER to VIEWER.',
      data: { userId: changed.userId, role: 'VIEWER' },
    });
    await arrived(removed, 'member.removed');
    const [left] = await arrived(owner, 'member.left');
    expect(left.data.userId).toBe(leaver.userId);
    // Nobody else heard of those three
    expect(await typesOf(leaver)).toEqual(['invitation.created']);
    expect((await typesOf(changed)).filter((type) => type.startsWith('member.'))).toEqual(['member.role_changed']);
  });

  it('tells both parties of an ownership transfer, every member of a suspension, and the OWNER of a plan limit', async () => {
    const [owner, admin, viewer] = await Promise.all([testUser(), testUser(), testUser()]);
    const staff = await testUser({ group: 'EMPLOYEE' });
    const orgId = await createOrganization(owner);
    await join(owner, orgId, admin, 'ADMIN');
    await join(owner, orgId, viewer, 'VIEWER');

    // A STARTER organization has 5 seats: 3 members + 2 invitations, then the next is refused
    for (const email of ['a', 'b'].map((name) => `${name}-${randomUUID()}@example.test`)) {
      const invited = await http('POST', `/organizations/${orgId}/invitations`, {
        token: owner.token,
        body: { email, role: 'MEMBER' },
      });
      expect(invited.status).toBe(201);
    }
    const refused = await http('POST', `/organizations/${orgId}/invitations`, {
      token: owner.token,
      body: { email: `c-${randomUUID()}@example.test`, role: 'MEMBER' },
    });
    expect(refused.body.error.code).toBe('PLAN_LIMIT_REACHED');
    const [limit] = await arrived(owner, 'plan.limit_reached');
    expect(limit.title).toBe('Plan limit reached');
    await arrived(admin, 'plan.limit_reached');

    expectStatus(
      await http('POST', `/organizations/${orgId}/transfer-ownership`, {
        token: owner.token,
        body: { userId: admin.userId },
      }),
      200,
      'transfer',
    );
    await arrived(owner, 'ownership.transferred');
    await arrived(admin, 'ownership.transferred');

    expectStatus(await http('POST', `/organizations/${orgId}/suspend`, { token: staff.token }), 200, 'suspend');
    for (const user of [owner, admin, viewer]) await arrived(user, 'organization.suspended');
    expect((await typesOf(viewer)).filter((type) => type !== 'invitation.created')).toEqual(['organization.suspended']);
  });
});

describe('idempotency on the event id', () => {
  /** An org with an OWNER and an ADMIN, and an `api_key.rotated` event of it as the applications service publishes it. */
  async function rotatedKeyEvent() {
    const [owner, admin] = await Promise.all([testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, admin, 'ADMIN');
    const event: DomainEvent = {
      id: newEventId(),
      type: 'api_key.rotated',
      occurredAt: new Date().toISOString(),
      organizationId: orgId,
      actor: { kind: 'user', id: admin.userId },
      data: { applicationId: `app_${randomUUID().replaceAll('-', '')}`, applicationName: 'ERP sync' },
    };
    return { owner, admin, orgId, event };
  }

  const rotated = async (user: TestUser) =>
    (await allNotifications(user)).filter((item) => item.type === 'api_key.rotated');
  const audited = async (orgId: string, id: string) =>
    (await storedAudit(orgId)).filter((entry) => entry.id === id).length;

  it('creates one notification per recipient and one audit entry however often the bus redelivers an event', async () => {
    // Arrange
    const { owner, admin, orgId, event } = await rotatedKeyEvent();

    // Act: delivered three times by the bus, two of them at once
    await publish(event, 'tenantry.applications');
    await Promise.all([publish(event, 'tenantry.applications'), publish(event, 'tenantry.applications')]);

    // Assert
    const [seen] = await eventually(async () => {
      const found = await rotated(owner);
      return found.length > 0 ? found : undefined;
    });
    expect(seen).toMatchObject({ title: 'An API key was rotated', organizationId: orgId });
    expect(seen.body).toContain('ERP sync');
    await eventually(async () => ((await rotated(admin)).length > 0 ? true : undefined));
    await eventually(async () => ((await audited(orgId, event.id)) === 1 ? true : undefined));

    // …and again, synchronously through the consumers' own code, sequentially and concurrently
    const deps = consumerDeps();
    await notifyRecipients(deps, event);
    await Promise.all([notifyRecipients(deps, event), recordAuditEvent(deps, event), recordAuditEvent(deps, event)]);

    expect(await rotated(owner)).toHaveLength(1);
    expect(await rotated(admin)).toHaveLength(1);
    expect(await audited(orgId, event.id)).toBe(1);
    expect(await unreadCount(owner)).toBe((await allNotifications(owner, true)).length);
  });

  it('finishes a delivery that failed half-way without doubling what was already written', async () => {
    // Arrange: the first attempt reaches only the OWNER, then the process dies before the receipt
    const { owner, admin, orgId, event } = await rotatedKeyEvent();
    const deps = consumerDeps();
    const crashing = {
      ...deps,
      inbox: {
        ...deps.inbox,
        deliver: async (deliveries: Parameters<Dependencies['inbox']['deliver']>[0], now: Date) => {
          await deps.inbox.deliver(
            deliveries.filter(
              (entry) =>
                entry.notification.address.kind === 'user' && entry.notification.address.userId === owner.userId,
            ),
            now,
          );
          throw new Error('crash after the first recipient');
        },
      },
    } as Dependencies;
    await expect(notifyRecipients(crashing, event)).rejects.toThrow('crash');
    expect(await rotated(owner)).toHaveLength(1);
    expect(await rotated(admin)).toHaveLength(0);

    // Act: the retry
    const created = await notifyRecipients(deps, event);

    // Assert
    expect(created).toBe(1);
    expect(await rotated(owner)).toHaveLength(1);
    expect(await rotated(admin)).toHaveLength(1);
    expect(await audited(orgId, event.id)).toBe(0); // the audit consumer is another function
  });

  it('refuses a detail that is not a domain event (it goes to the DLQ after the retries, never half-processed)', async () => {
    const deps = consumerDeps();
    for (const detail of [
      {},
      { id: newEventId(), type: 'member.removed' },
      { ...(await rotatedKeyEvent()).event, type: 'nope' },
    ]) {
      await expect(notifyRecipients(deps, detail)).rejects.toBeInstanceOf(MalformedEventError);
      await expect(recordAuditEvent(deps, detail)).rejects.toBeInstanceOf(MalformedEventError);
    }
  });
});
