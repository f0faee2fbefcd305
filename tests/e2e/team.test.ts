// Journeys 2, 9 and 3: building a team by invitation, the audit trail it leaves, and the plan's seat
// limit enforced by the memberships service against the plan the organizations service changes.
import { describe, expect, it } from '@jest/globals';
import {
  type AuditEntry,
  api,
  auditLog,
  eventually,
  foundOrganization,
  invite,
  isAbout,
  join,
  memberRoles,
  randomEmail,
  seats,
  type TestUser,
  testUser,
} from './support';

describe('a team joins by invitation', () => {
  // Journey 9 reads the audit trail that journey 2 leaves.
  const journey: { orgId?: string; owner?: TestUser; invitations: Record<string, string> } = { invitations: {} };

  it('an OWNER invites an ADMIN and a MEMBER who accept, and only allowed roles may invite further', async () => {
    // Arrange
    const [owner, admin, member] = await Promise.all([testUser(), testUser(), testUser()]);
    const org = await foundOrganization(owner);
    journey.orgId = org.id;
    journey.owner = owner;
    expect(await seats(owner, org.id)).toEqual({ usage: 1, members: 1, pending: 0 });

    // Act: the OWNER invites both
    const before = Date.now();
    const toAdmin = await invite(owner, org.id, 'ADMIN', admin.email);
    const toMember = await invite(owner, org.id, 'MEMBER', member.email);

    // Assert: two PENDING invitations expiring in 7 days, each a seat
    for (const [reply, invitee, role] of [
      [toAdmin, admin, 'ADMIN'],
      [toMember, member, 'MEMBER'],
    ] as const) {
      expect(reply.response.status).toBe(201);
      expect(reply.data).toMatchObject({
        organizationId: org.id,
        email: invitee.email,
        role,
        status: 'PENDING',
        invitedBy: owner.userId,
      });
      expect(isAbout(reply.data!.expiresAt, 7, before)).toBe(true);
    }
    const adminInvitation = toAdmin.data!.id;
    const memberInvitation = toMember.data!.id;
    journey.invitations = { admin: adminInvitation, member: memberInvitation };
    expect(await seats(owner, org.id)).toEqual({ usage: 3, members: 1, pending: 2 });

    // Act + Assert: each invitee sees their own invitation, and only it, then accepts it
    for (const [invitee, invitationId, role] of [
      [admin, adminInvitation, 'ADMIN'],
      [member, memberInvitation, 'MEMBER'],
    ] as const) {
      const mine = await api(invitee).GET('/me/invitations');
      expect(mine.response.status).toBe(200);
      expect(mine.data!.items).toEqual([
        expect.objectContaining({ id: invitationId, organizationId: org.id, role, status: 'PENDING' }),
      ]);

      const accepted = await api(invitee).POST('/me/invitations/{invitationId}/accept', {
        params: { path: { invitationId } },
      });
      expect(accepted.response.status).toBe(200);
      expect(accepted.data).toMatchObject({ organizationId: org.id, userId: invitee.userId, role, status: 'ACTIVE' });

      const after = await api(invitee).GET('/me/invitations');
      expect(after.data!.items).toEqual([]);
    }
    // The seats moved from the invitations to the members.
    expect(await memberRoles(owner, org.id)).toEqual({
      [owner.userId]: 'OWNER',
      [admin.userId]: 'ADMIN',
      [member.userId]: 'MEMBER',
    });
    expect(await seats(owner, org.id)).toEqual({ usage: 3, members: 3, pending: 0 });

    // Act + Assert: the ADMIN may invite a VIEWER but not another ADMIN
    const viewerByAdmin = await invite(admin, org.id, 'VIEWER');
    expect(viewerByAdmin.response.status).toBe(201);
    expect(viewerByAdmin.data).toMatchObject({ role: 'VIEWER', status: 'PENDING', invitedBy: admin.userId });
    expect(await seats(owner, org.id)).toEqual({ usage: 4, members: 3, pending: 1 });

    const adminByAdmin = await invite(admin, org.id, 'ADMIN');
    expect(adminByAdmin.response.status).toBe(403);
    expect(adminByAdmin.error?.error.code).toBe('FORBIDDEN');

    // Act + Assert: a MEMBER may not invite at all
    const viewerByMember = await invite(member, org.id, 'VIEWER');
    expect(viewerByMember.response.status).toBe(403);
    expect(viewerByMember.error?.error.code).toBe('FORBIDDEN');

    // The refusals changed nothing.
    expect(await seats(owner, org.id)).toEqual({ usage: 4, members: 3, pending: 1 });
  });

  it('the invitations and acceptances of the team are in the audit log', async () => {
    // Arrange: the organization of the journey above
    const { orgId, owner, invitations } = journey;
    if (!orgId || !owner || !invitations.admin || !invitations.member) throw new Error('journey 2 did not run');

    // Act: events reach the notifications service through the bus, asynchronously
    const log = await eventually(async () => {
      const entries = await auditLog(orgId);
      const count = (type: string) => entries.filter((entry) => entry.type === type).length;
      return count('invitation.created') >= 3 && count('invitation.accepted') >= 2 ? entries : undefined;
    });

    // Assert: one entry per invitation and per acceptance, each with its actor and invitation
    const ofType = (type: string): AuditEntry[] => log.filter((entry) => entry.type === type);
    expect(ofType('invitation.created')).toHaveLength(3);
    expect(ofType('invitation.accepted')).toHaveLength(2);
    for (const invitationId of [invitations.admin, invitations.member]) {
      expect(ofType('invitation.created')).toContainEqual(
        expect.objectContaining({
          organizationId: orgId,
          actor: expect.objectContaining({ kind: 'user', id: owner.userId }),
          data: expect.objectContaining({ invitationId }),
        }),
      );
      expect(ofType('invitation.accepted')).toContainEqual(
        expect.objectContaining({ organizationId: orgId, data: expect.objectContaining({ invitationId }) }),
      );
    }
    expect(new Set(log.map((entry) => entry.id)).size).toBe(log.length);
  });
});

describe('plan limits across the organizations and memberships services', () => {
  it('a STARTER organization stops at 5 seats, PRO admits more, and a downgrade blocks until usage is under the limit', async () => {
    // Arrange: OWNER + 1 member + 3 pending invitations = the 5 seats of STARTER
    const [owner, platformOwner] = await Promise.all([testUser(), testUser({ group: 'OWNER' })]);
    const org = await foundOrganization(owner);
    expect(org.plan).toBe('STARTER');
    const member = await join(owner, org.id, 'MEMBER');
    const pending: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await invite(owner, org.id, 'VIEWER');
      expect(reply.response.status).toBe(201);
      pending.push(reply.data!.id);
    }
    expect(await seats(owner, org.id)).toEqual({ usage: 5, members: 2, pending: 3 });

    // Act + Assert: the 6th seat is refused and nothing is written
    const sixth = await invite(owner, org.id, 'VIEWER');
    expect(sixth.response.status).toBe(403);
    expect(sixth.error?.error.code).toBe('PLAN_LIMIT_REACHED');
    expect(await seats(owner, org.id)).toEqual({ usage: 5, members: 2, pending: 3 });

    // Act + Assert: the platform OWNER upgrades to PRO, and the very next invite succeeds
    const upgraded = await api(platformOwner).PUT('/organizations/{orgId}/plan', {
      params: { path: { orgId: org.id } },
      body: { plan: 'PRO' },
    });
    expect(upgraded.response.status).toBe(200);
    expect(upgraded.data).toMatchObject({ id: org.id, plan: 'PRO', usage: { members: 5 } });
    const onPro = await invite(owner, org.id, 'VIEWER');
    expect(onPro.response.status).toBe(201);
    pending.push(onPro.data!.id);
    expect(await seats(owner, org.id)).toEqual({ usage: 6, members: 2, pending: 4 });

    // Act + Assert: a downgrade below the current usage is allowed…
    const downgraded = await api(platformOwner).PUT('/organizations/{orgId}/plan', {
      params: { path: { orgId: org.id } },
      body: { plan: 'STARTER' },
    });
    expect(downgraded.response.status).toBe(200);
    expect(downgraded.data).toMatchObject({ id: org.id, plan: 'STARTER', usage: { members: 6 } });

    // …but blocks the next seat, also at exactly the limit
    const overLimit = await invite(owner, org.id, 'VIEWER');
    expect(overLimit.response.status).toBe(403);
    expect(overLimit.error?.error.code).toBe('PLAN_LIMIT_REACHED');

    const removed = await api(owner).DELETE('/organizations/{orgId}/members/{userId}', {
      params: { path: { orgId: org.id, userId: member.userId } },
    });
    expect(removed.response.status).toBe(204);
    expect(await seats(owner, org.id)).toEqual({ usage: 5, members: 1, pending: 4 });
    const atLimit = await invite(owner, org.id, 'VIEWER');
    expect(atLimit.response.status).toBe(403);
    expect(atLimit.error?.error.code).toBe('PLAN_LIMIT_REACHED');

    // Act + Assert: once usage is under the limit, an invite succeeds again
    const revoked = await api(owner).DELETE('/organizations/{orgId}/invitations/{invitationId}', {
      params: { path: { orgId: org.id, invitationId: pending[0]! } },
    });
    expect(revoked.response.status).toBe(200);
    expect(revoked.data).toMatchObject({ id: pending[0], status: 'REVOKED' });
    expect(await seats(owner, org.id)).toEqual({ usage: 4, members: 1, pending: 3 });

    const email = randomEmail();
    const underLimit = await invite(owner, org.id, 'VIEWER', email);
    expect(underLimit.response.status).toBe(201);
    expect(underLimit.data).toMatchObject({ email, status: 'PENDING' });
    expect(await seats(owner, org.id)).toEqual({ usage: 5, members: 1, pending: 4 });
  });
});
