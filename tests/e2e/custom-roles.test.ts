// Journey: a custom role across the services (contract §3, §9) — the platform OWNER's plan change
// (organizations) opens custom roles, the OWNER defines an auditor (organizations), gives it by
// invitation (memberships, which counts its holders on the role item), the auditor is allowed
// exactly its permissions in every service, the role cannot be deleted while held, and once the
// member is moved to a built-in role it can; the audit log (notifications) records the role's life.
import { describe, expect, it } from '@jest/globals';
import { api, auditLog, eventually, foundOrganization, invite, testUser } from './support';

const AUDITOR = {
  key: 'auditor',
  name: 'Auditor',
  baseRole: 'VIEWER' as const,
  permissions: ['members:read' as const, 'audit:read' as const],
};

describe('a custom role from definition to deletion', () => {
  it('is opened by the plan, given by invitation, decides every service, and is deleted only once nobody holds it', async () => {
    // Arrange
    const [owner, platformOwner, auditor] = await Promise.all([testUser(), testUser({ group: 'OWNER' }), testUser()]);
    const org = await foundOrganization(owner);
    const orgPath = { params: { path: { orgId: org.id } } };
    const rolePath = { params: { path: { orgId: org.id, roleKey: AUDITOR.key } } };

    // Act + Assert: STARTER allows no custom role; PRO (changed by the platform OWNER) does
    const refused = await api(owner).POST('/organizations/{orgId}/roles', { ...orgPath, body: AUDITOR });
    expect([refused.response.status, refused.error?.error.code]).toEqual([403, 'PLAN_LIMIT_REACHED']);
    const upgraded = await api(platformOwner).PUT('/organizations/{orgId}/plan', { ...orgPath, body: { plan: 'PRO' } });
    expect(upgraded.response.status).toBe(200);
    const created = await api(owner).POST('/organizations/{orgId}/roles', { ...orgPath, body: AUDITOR });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ key: 'auditor', baseRole: 'VIEWER', builtIn: false, holders: 0 });

    // The list: the four built-in roles, then the custom one
    const listed = await api(owner).GET('/organizations/{orgId}/roles', orgPath);
    expect(listed.data?.items.map((role) => [role.key, role.builtIn])).toEqual([
      ['OWNER', true],
      ['ADMIN', true],
      ['MEMBER', true],
      ['VIEWER', true],
      ['auditor', false],
    ]);

    // Act: the OWNER invites with the custom role's key; the invitee accepts
    const invited = await invite(owner, org.id, AUDITOR.key, auditor.email);
    expect([invited.response.status, invited.data?.role]).toEqual([201, 'auditor']);
    expect((await api(owner).GET('/organizations/{orgId}/roles/{roleKey}', rolePath)).data?.holders).toBe(1);
    const accepted = await api(auditor).POST('/me/invitations/{invitationId}/accept', {
      params: { path: { invitationId: invited.data!.id } },
    });
    expect(accepted.response.status).toBe(200);

    // Assert: the member's own view, then each service deciding by the list
    const access = await api(auditor).GET('/organizations/{orgId}/me', orgPath);
    expect(access.data).toMatchObject({ organizationId: org.id, role: 'auditor', baseRole: 'VIEWER', builtIn: false });
    expect([...(access.data?.permissions ?? [])].sort()).toEqual(['audit:read', 'members:read', 'membership:leave']);
    const mine = await api(auditor).GET('/me/organizations');
    expect(mine.data?.items.map((item) => [item.organizationId, item.role])).toEqual([[org.id, 'auditor']]);
    const statuses = async () =>
      Promise.all([
        api(auditor).GET('/organizations/{orgId}/audit-log', orgPath), // notifications: audit:read
        api(auditor).GET('/organizations/{orgId}/members', orgPath), // memberships: members:read
        api(auditor).GET('/organizations/{orgId}', orgPath), // organizations: organization:read
        api(auditor).GET('/organizations/{orgId}/applications', orgPath), // applications: applications:read
      ]).then((answers) => answers.map((answer) => answer.response.status));
    expect(await statuses()).toEqual([200, 200, 403, 403]);

    // Act + Assert: held, the role is not deleted (409 naming how many hold it)
    const held = await api(owner).DELETE('/organizations/{orgId}/roles/{roleKey}', rolePath);
    expect([held.response.status, held.error?.error.code]).toEqual([409, 'CONFLICT']);
    expect(held.error?.error.message).toContain('1 member');

    // Act: the member moves to VIEWER, then the role is deleted
    const moved = await api(owner).PATCH('/organizations/{orgId}/members/{userId}', {
      params: { path: { orgId: org.id, userId: auditor.userId } },
      body: { role: 'VIEWER' },
    });
    expect(moved.response.status).toBe(200);
    expect((await api(owner).GET('/organizations/{orgId}/roles/{roleKey}', rolePath)).data?.holders).toBe(0);
    expect(await statuses()).toEqual([403, 200, 200, 200]);
    const deleted = await api(owner).DELETE('/organizations/{orgId}/roles/{roleKey}', rolePath);
    expect(deleted.response.status).toBe(204);
    expect((await api(owner).GET('/organizations/{orgId}/roles/{roleKey}', rolePath)).response.status).toBe(404);

    // Assert: the audit log holds the role's definition and deletion, by the OWNER
    const log = await eventually(() => auditLog(org.id), {
      until: (entries) => ['role.created', 'role.deleted'].every((type) => entries.some((e) => e.type === type)),
      description: 'role.created and role.deleted in the audit log',
    });
    for (const type of ['role.created', 'role.deleted']) {
      expect(log.find((entry) => entry.type === type)?.actor).toEqual({ kind: 'user', id: owner.userId });
    }
  });
});
