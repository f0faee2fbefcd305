// Journeys 1, 4, 5 and 6: an organization's life across the organizations and memberships services —
// founding, transfer of ownership, suspension and soft delete/restore.
import { describe, expect, it } from '@jest/globals';
import { api, foundOrganization, invite, join, memberRoles, seats, type TestUser, testUser } from './support';

describe('the life of an organization', () => {
  it('a CUSTOMER founds an organization and is at once its only member, the OWNER', async () => {
    // Arrange
    const founder = await testUser({ group: 'CUSTOMER' });
    const name = `Founders ${Date.now()}`;

    // Act
    const created = await api(founder).POST('/organizations', { body: { name } });

    // Assert: the organization
    expect(created.response.status).toBe(201);
    const org = created.data!;
    expect(org).toMatchObject({
      name,
      plan: 'STARTER',
      status: 'ACTIVE',
      ownerId: founder.userId,
      usage: { members: 1, applications: 0 },
    });

    // Assert: the founder's organizations, read immediately
    const mine = await api(founder).GET('/me/organizations');
    expect(mine.response.status).toBe(200);
    expect(mine.data).toEqual({
      items: [expect.objectContaining({ organizationId: org.id, name, role: 'OWNER' })],
      nextCursor: null,
    });

    // Assert: the members are exactly the OWNER
    const members = await api(founder).GET('/organizations/{orgId}/members', { params: { path: { orgId: org.id } } });
    expect(members.response.status).toBe(200);
    expect(members.data).toEqual({
      items: [
        expect.objectContaining({ organizationId: org.id, userId: founder.userId, role: 'OWNER', status: 'ACTIVE' }),
      ],
      nextCursor: null,
    });
  });

  it('the OWNER transfers ownership to an ADMIN, then may leave while the new OWNER may not', async () => {
    // Arrange
    const owner = await testUser();
    const org = await foundOrganization(owner);
    const admin = await join(owner, org.id, 'ADMIN');

    // Act
    const transferred = await api(owner).POST('/organizations/{orgId}/transfer-ownership', {
      params: { path: { orgId: org.id } },
      body: { userId: admin.userId },
    });

    // Assert: one OWNER, the one named by ownerId; the previous owner is an ADMIN
    expect(transferred.response.status).toBe(200);
    expect(transferred.data).toMatchObject({ id: org.id, ownerId: admin.userId, status: 'ACTIVE' });
    const roles = await memberRoles(admin, org.id);
    expect(roles).toEqual({ [owner.userId]: 'ADMIN', [admin.userId]: 'OWNER' });
    expect(Object.values(roles).filter((role) => role === 'OWNER')).toHaveLength(1);
    const read = await api(admin).GET('/organizations/{orgId}', { params: { path: { orgId: org.id } } });
    expect(read.data).toMatchObject({ ownerId: admin.userId });
    const formerOwnersView = await api(owner).GET('/me/organizations');
    expect(formerOwnersView.data!.items).toEqual([expect.objectContaining({ organizationId: org.id, role: 'ADMIN' })]);

    // Act + Assert: the previous owner leaves (204) and no longer sees the organization
    const left = await api(owner).POST('/organizations/{orgId}/leave', { params: { path: { orgId: org.id } } });
    expect(left.response.status).toBe(204);
    expect(await memberRoles(admin, org.id)).toEqual({ [admin.userId]: 'OWNER' });
    const gone = await api(owner).GET('/organizations/{orgId}', { params: { path: { orgId: org.id } } });
    expect(gone.response.status).toBe(404);
    expect(await seats(admin, org.id)).toEqual({ usage: 1, members: 1, pending: 0 });

    // Act + Assert: the OWNER cannot leave (memberships README: "the OWNER gets 403")
    const refused = await api(admin).POST('/organizations/{orgId}/leave', { params: { path: { orgId: org.id } } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.error.code).toBe('FORBIDDEN');
    expect(await memberRoles(admin, org.id)).toEqual({ [admin.userId]: 'OWNER' });
  });

  it('a suspended organization can be read by its members but refuses every write until reactivated', async () => {
    // Arrange
    const [owner, employee, invitee] = await Promise.all([testUser(), testUser({ group: 'EMPLOYEE' }), testUser()]);
    const org = await foundOrganization(owner);
    const member = await join(owner, org.id, 'MEMBER');
    const pendingInvite = await invite(owner, org.id, 'VIEWER', invitee.email);
    expect(pendingInvite.response.status).toBe(201);
    const orgPath = { params: { path: { orgId: org.id } } };

    // Act
    const suspended = await api(employee).POST('/organizations/{orgId}/suspend', orgPath);

    // Assert: suspended, and still readable by members
    expect(suspended.response.status).toBe(200);
    expect(suspended.data).toMatchObject({ id: org.id, status: 'SUSPENDED' });
    expect(typeof suspended.data!.suspendedAt).toBe('string');
    for (const reader of [owner, member]) {
      const read = await api(reader).GET('/organizations/{orgId}', orgPath);
      expect(read.response.status).toBe(200);
      expect(read.data).toMatchObject({ id: org.id, name: org.name, status: 'SUSPENDED' });
      const members = await api(reader).GET('/organizations/{orgId}/members', orgPath);
      expect(members.response.status).toBe(200);
      expect(members.data!.items).toHaveLength(2);
    }

    // Assert: every write of the members answers 403 ORGANIZATION_SUSPENDED
    const invitationPath = { params: { path: { orgId: org.id, invitationId: pendingInvite.data!.id } } };
    const writes = {
      update: await api(owner).PATCH('/organizations/{orgId}', { ...orgPath, body: { name: 'Renamed' } }),
      invite: await invite(owner, org.id, 'VIEWER'),
      revoke: await api(owner).DELETE('/organizations/{orgId}/invitations/{invitationId}', invitationPath),
      resend: await api(owner).POST('/organizations/{orgId}/invitations/{invitationId}/resend', invitationPath),
      changeRole: await api(owner).PATCH('/organizations/{orgId}/members/{userId}', {
        params: { path: { orgId: org.id, userId: member.userId } },
        body: { role: 'VIEWER' },
      }),
      remove: await api(owner).DELETE('/organizations/{orgId}/members/{userId}', {
        params: { path: { orgId: org.id, userId: member.userId } },
      }),
      transfer: await api(owner).POST('/organizations/{orgId}/transfer-ownership', {
        ...orgPath,
        body: { userId: member.userId },
      }),
      leave: await api(member).POST('/organizations/{orgId}/leave', orgPath),
      accept: await api(invitee).POST('/me/invitations/{invitationId}/accept', {
        params: { path: { invitationId: pendingInvite.data!.id } },
      }),
    };
    for (const [write, reply] of Object.entries(writes)) {
      expect([write, reply.response.status, reply.error?.error.code]).toEqual([write, 403, 'ORGANIZATION_SUSPENDED']);
    }
    const unchanged = await api(owner).GET('/organizations/{orgId}', orgPath);
    expect(unchanged.data).toMatchObject({ name: org.name, ownerId: owner.userId, usage: { members: 3 } });
    expect(await memberRoles(owner, org.id)).toEqual({ [owner.userId]: 'OWNER', [member.userId]: 'MEMBER' });

    // Act + Assert: reactivation restores writes
    const reactivated = await api(employee).POST('/organizations/{orgId}/reactivate', orgPath);
    expect(reactivated.response.status).toBe(200);
    expect(reactivated.data).toMatchObject({ id: org.id, status: 'ACTIVE' });
    const renamed = await api(owner).PATCH('/organizations/{orgId}', { ...orgPath, body: { name: 'Renamed' } });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data).toMatchObject({ id: org.id, name: 'Renamed', status: 'ACTIVE' });
    const invited = await invite(owner, org.id, 'VIEWER');
    expect(invited.response.status).toBe(201);
    expect(invited.data).toMatchObject({ organizationId: org.id, status: 'PENDING' });
  });

  it('a soft-deleted organization answers 404 to everyone on every route but restore, which brings it back intact', async () => {
    // Arrange
    const [owner, platformOwner, employee, invitee] = await Promise.all([
      testUser(),
      testUser({ group: 'OWNER' }),
      testUser({ group: 'EMPLOYEE' }),
      testUser(),
    ]);
    const org = await foundOrganization(owner);
    const admin = await join(owner, org.id, 'ADMIN');
    const pendingInvite = await invite(owner, org.id, 'MEMBER', invitee.email);
    expect(pendingInvite.response.status).toBe(201);
    await api(owner).PATCH('/organizations/{orgId}', {
      params: { path: { orgId: org.id } },
      body: { metadata: { tier: 'gold' } },
    });
    const orgPath = { params: { path: { orgId: org.id } } };
    const before = await api(owner).GET('/organizations/{orgId}', orgPath);

    // Act
    const deleted = await api(owner).DELETE('/organizations/{orgId}', orgPath);

    // Assert: DELETED, then 404 NOT_FOUND for every reader, the OWNER and platform staff included
    expect(deleted.response.status).toBe(200);
    expect(deleted.data).toMatchObject({ id: org.id, status: 'DELETED' });
    for (const [who, user] of Object.entries({ owner, admin, platformOwner, employee }) as [string, TestUser][]) {
      const client = api(user);
      const replies = {
        organization: await client.GET('/organizations/{orgId}', orgPath),
        members: await client.GET('/organizations/{orgId}/members', orgPath),
        invitations: await client.GET('/organizations/{orgId}/invitations', orgPath),
      };
      for (const [route, reply] of Object.entries(replies)) {
        expect([who, route, reply.response.status, reply.error?.error.code]).toEqual([who, route, 404, 'NOT_FOUND']);
      }
    }
    const invitationPath = { params: { path: { orgId: org.id, invitationId: pendingInvite.data!.id } } };
    const writes = {
      update: await api(owner).PATCH('/organizations/{orgId}', { ...orgPath, body: { name: 'Ghost' } }),
      deleteAgain: await api(owner).DELETE('/organizations/{orgId}', orgPath),
      invite: await invite(owner, org.id, 'VIEWER'),
      revoke: await api(owner).DELETE('/organizations/{orgId}/invitations/{invitationId}', invitationPath),
      transfer: await api(owner).POST('/organizations/{orgId}/transfer-ownership', {
        ...orgPath,
        body: { userId: admin.userId },
      }),
      leave: await api(admin).POST('/organizations/{orgId}/leave', orgPath),
      suspend: await api(employee).POST('/organizations/{orgId}/suspend', orgPath),
      changePlan: await api(platformOwner).PUT('/organizations/{orgId}/plan', { ...orgPath, body: { plan: 'PRO' } }),
      accept: await api(invitee).POST('/me/invitations/{invitationId}/accept', {
        params: { path: { invitationId: pendingInvite.data!.id } },
      }),
    };
    for (const [write, reply] of Object.entries(writes)) {
      expect([write, reply.response.status, reply.error?.error.code]).toEqual([write, 404, 'NOT_FOUND']);
    }
    const ownersOrganizations = await api(owner).GET('/me/organizations');
    expect(ownersOrganizations.data!.items).toEqual([]);
    const inviteesInvitations = await api(invitee).GET('/me/invitations');
    expect(inviteesInvitations.data!.items).toEqual([]);

    // Act: the OWNER restores it
    const restored = await api(owner).POST('/organizations/{orgId}/restore', orgPath);

    // Assert: back as it was, with its members and invitation
    expect(restored.response.status).toBe(200);
    expect(restored.data).toMatchObject({
      id: org.id,
      name: org.name,
      slug: org.slug,
      status: 'ACTIVE',
      plan: 'STARTER',
      ownerId: owner.userId,
      metadata: { tier: 'gold' },
      usage: { members: 3 },
    });
    const after = await api(owner).GET('/organizations/{orgId}', orgPath);
    expect(after.response.status).toBe(200);
    expect(after.data).toMatchObject({ ...before.data, updatedAt: expect.any(String) });
    expect(await memberRoles(owner, org.id)).toEqual({ [owner.userId]: 'OWNER', [admin.userId]: 'ADMIN' });
    const invitations = await api(admin).GET('/organizations/{orgId}/invitations', orgPath);
    expect(invitations.data!.items).toEqual([
      expect.objectContaining({ status: 'ACCEPTED', email: admin.email }),
      expect.objectContaining({ id: pendingInvite.data!.id, status: 'PENDING' }),
    ]);
  });
});
