// Pure rules: expiry and the live key range agree, ids sort by time, §7 recipients, audiences.
// No platform needed (TENANTRY_TEST_PLATFORM=off works for this file).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bucketExpiry, unreadBucket } from '../src/data/keys';
import type { DomainEvent } from '../src/domain/model';
import {
  createdAtOf,
  expiredUpTo,
  expiresAtFor,
  inAudience,
  inboxesOf,
  isLive,
  NOTIFICATION_ID,
  notificationId,
  planFor,
  RETENTION_DAYS,
} from '../src/domain/rules';

const DAY = 86_400_000;
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2100, 0, 1) });

const event = (type: DomainEvent['type'], data: Record<string, unknown> = {}): DomainEvent => ({
  id: 'evt_1',
  type,
  occurredAt: '2025-01-15T09:30:00.000Z',
  organizationId: 'org_1',
  actor: { kind: 'user', id: 'actor' },
  data,
});

describe('expiry', () => {
  it('is at least 90 days after creation, at most one day more, at a UTC midnight', () => {
    fc.assert(
      fc.property(instant, (created) => {
        const expiresAt = expiresAtFor(created) * 1000;
        expect(expiresAt).toBeGreaterThanOrEqual(created + RETENTION_DAYS * DAY);
        expect(expiresAt).toBeLessThan(created + (RETENTION_DAYS + 1) * DAY);
        expect(expiresAt % DAY).toBe(0);
      }),
    );
  });

  it('the live key range (created after expiredUpTo(now)) is exactly the notifications with expiresAt > now', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 200 * DAY }), (created, age) => {
        const now = created + age;
        expect(created > expiredUpTo(now)).toBe(isLive(expiresAtFor(created), now));
      }),
    );
  });

  it("names one counter number per expiry day, which stops counting exactly when that day's notifications expire", () => {
    fc.assert(
      fc.property(instant, (created) => {
        const expiresAt = expiresAtFor(created);
        expect(bucketExpiry(unreadBucket(expiresAt))).toBe(expiresAt * 1000);
      }),
    );
    expect(bucketExpiry('COUNTER')).toBeUndefined();
  });
});

describe('notification ids', () => {
  it('carry their creation time, sort by it, and are the same for the same seed', () => {
    fc.assert(
      fc.property(instant, instant, fc.string(), fc.string(), (a, b, seedA, seedB) => {
        const idA = notificationId(a, seedA);
        const idB = notificationId(b, seedB);
        expect(idA).toMatch(NOTIFICATION_ID);
        expect(createdAtOf(idA)).toBe(a);
        if (a < b) expect(idA < idB).toBe(true);
        expect(notificationId(a, seedA)).toBe(idA);
      }),
    );
    expect(createdAtOf('ntf_x')).toBeUndefined();
  });
});

describe('who is notified of what (contract §7)', () => {
  const members = [
    { userId: 'owner', role: 'OWNER' as const },
    { userId: 'admin', role: 'ADMIN' as const },
    { userId: 'member', role: 'MEMBER' as const },
    { userId: 'viewer', role: 'VIEWER' as const },
  ];
  const reached = (type: DomainEvent['type'], data: Record<string, unknown> = {}) => {
    const plan = planFor(event(type, data));
    return plan ? inboxesOf(plan.recipients, members) : undefined;
  };

  it('addresses the invitee by lower-cased email', () => {
    expect(reached('invitation.created', { email: 'Ana@Example.com' })).toEqual([
      { kind: 'email', email: 'ana@example.com' },
    ]);
  });

  it('tells the OWNER and ADMINs of joins (never the joiner), departures, key changes and plan limits', () => {
    const admins = [
      { kind: 'user', userId: 'owner' },
      { kind: 'user', userId: 'admin' },
    ];
    for (const type of [
      'member.left',
      'api_key.rotated',
      'api_key.promoted',
      'api_key.revoked',
      'api_key.expiring',
      'plan.limit_reached',
    ] as const) {
      expect(reached(type, { userId: 'x' })).toEqual(admins);
    }
    expect(reached('invitation.accepted', { userId: 'admin' })).toEqual([{ kind: 'user', userId: 'owner' }]);
  });

  it("tells the ADMINs when and which application's keys expire", () => {
    const plan = planFor(event('api_key.expiring', { name: 'Billing sync', expiresAt: '2025-02-01T00:00:00.000Z' }));
    expect(plan).toMatchObject({ type: 'api_key.expiring', recipients: { kind: 'admins' } });
    expect(plan?.body).toContain('application Billing sync');
    expect(plan?.body).toContain('2025-02-01T00:00:00.000Z');
  });

  it('tells the affected member, both owners, and every member of a suspension', () => {
    expect(reached('member.role_changed', { userId: 'member' })).toEqual([{ kind: 'user', userId: 'member' }]);
    expect(reached('member.removed', { userId: 'gone' })).toEqual([{ kind: 'user', userId: 'gone' }]);
    expect(reached('ownership.transferred', { previousOwnerId: 'owner', newOwnerId: 'admin' })).toEqual([
      { kind: 'user', userId: 'owner' },
      { kind: 'user', userId: 'admin' },
    ]);
    expect(reached('organization.suspended')).toHaveLength(4);
  });

  it('notifies nobody of the other events (they are only audited)', () => {
    for (const type of [
      'organization.created',
      'invitation.revoked',
      'application.created',
      'platform.access',
    ] as const) {
      expect(planFor(event(type))).toBeUndefined();
    }
  });
});

describe('broadcast audience', () => {
  const admin = { userId: 'a', role: 'ADMIN' as const };
  const viewer = { userId: 'v', role: 'VIEWER' as const };

  it('is everyone without lists, else the roles plus the users named', () => {
    expect([admin, viewer].filter((member) => inAudience(member, {}))).toEqual([admin, viewer]);
    expect([admin, viewer].filter((member) => inAudience(member, { roles: ['ADMIN'] }))).toEqual([admin]);
    expect([admin, viewer].filter((member) => inAudience(member, { userIds: ['v', 'stranger'] }))).toEqual([viewer]);
    expect([admin, viewer].filter((member) => inAudience(member, { roles: ['ADMIN'], userIds: ['v'] }))).toEqual([
      admin,
      viewer,
    ]);
  });
});
