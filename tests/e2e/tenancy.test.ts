// Journeys 7 and 8: tenants are invisible to each other (a foreign organization is
// indistinguishable from a missing one), and creating an organization is idempotent.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  api,
  foundOrganization,
  invite,
  join,
  missingOrganizationId,
  type TestUser,
  testUser,
  withoutRequestId,
} from './support';

/** Every organization-scoped route the platform serves, called as `user` on `orgId`. */
function organizationRoutes(user: TestUser, orgId: string, ids: { userId: string; invitationId: string }) {
  const client = api(user);
  const path = { params: { path: { orgId } } };
  const member = { params: { path: { orgId, userId: ids.userId } } };
  const invitation = { params: { path: { orgId, invitationId: ids.invitationId } } };
  return {
    getOrganization: () => client.GET('/organizations/{orgId}', path),
    updateOrganization: () => client.PATCH('/organizations/{orgId}', { ...path, body: { name: 'Taken over' } }),
    deleteOrganization: () => client.DELETE('/organizations/{orgId}', path),
    restoreOrganization: () => client.POST('/organizations/{orgId}/restore', path),
    changePlan: () => client.PUT('/organizations/{orgId}/plan', { ...path, body: { plan: 'ENTERPRISE' } }),
    suspendOrganization: () => client.POST('/organizations/{orgId}/suspend', path),
    reactivateOrganization: () => client.POST('/organizations/{orgId}/reactivate', path),
    transferOwnership: () =>
      client.POST('/organizations/{orgId}/transfer-ownership', { ...path, body: { userId: user.userId } }),
    listMembers: () => client.GET('/organizations/{orgId}/members', path),
    updateMember: () =>
      client.PATCH('/organizations/{orgId}/members/{userId}', { ...member, body: { role: 'VIEWER' } }),
    removeMember: () => client.DELETE('/organizations/{orgId}/members/{userId}', member),
    leaveOrganization: () => client.POST('/organizations/{orgId}/leave', path),
    createInvitation: () =>
      client.POST('/organizations/{orgId}/invitations', { ...path, body: { email: user.email, role: 'VIEWER' } }),
    listInvitations: () => client.GET('/organizations/{orgId}/invitations', path),
    revokeInvitation: () => client.DELETE('/organizations/{orgId}/invitations/{invitationId}', invitation),
    resendInvitation: () => client.POST('/organizations/{orgId}/invitations/{invitationId}/resend', invitation),
  };
}

describe('tenant isolation', () => {
  it('a member of organization A gets the same 404 for every route of organization B as for a missing organization', async () => {
    // Arrange: A with its OWNER; B with an ADMIN member and a pending invitation, so B's ids are real
    const [ownerA, ownerB] = await Promise.all([testUser(), testUser()]);
    const [orgA, orgB] = await Promise.all([foundOrganization(ownerA), foundOrganization(ownerB)]);
    const adminB = await join(ownerB, orgB.id, 'ADMIN');
    const pendingB = await invite(ownerB, orgB.id, 'VIEWER');
    const ids = { userId: adminB.userId, invitationId: pendingB.data!.id };
    const foreign = organizationRoutes(ownerA, orgB.id, ids);
    const missing = organizationRoutes(ownerA, missingOrganizationId(), ids);
    const orgBBefore = await api(ownerB).GET('/organizations/{orgId}', { params: { path: { orgId: orgB.id } } });

    for (const route of Object.keys(foreign) as (keyof typeof foreign)[]) {
      // Act
      const [onForeign, onMissing] = [await foreign[route](), await missing[route]()];

      // Assert: both 404 NOT_FOUND, bodies equal but for the request id
      expect([route, onForeign.response.status, onForeign.error?.error.code]).toEqual([route, 404, 'NOT_FOUND']);
      expect([route, onMissing.response.status]).toEqual([route, 404]);
      expect([route, withoutRequestId(onForeign.error)]).toEqual([route, withoutRequestId(onMissing.error)]);
      expect(onForeign.error?.error.requestId).toEqual(expect.any(String));
      expect(onForeign.error?.error.requestId).not.toBe(onMissing.error?.error.requestId);
    }

    // Assert: B is untouched and A is still A's
    const orgBAfter = await api(ownerB).GET('/organizations/{orgId}', { params: { path: { orgId: orgB.id } } });
    expect(orgBAfter.data).toEqual(orgBBefore.data);
    const mine = await api(ownerA).GET('/me/organizations');
    expect(mine.data!.items).toEqual([expect.objectContaining({ organizationId: orgA.id, role: 'OWNER' })]);
  });
});

describe('idempotent creation', () => {
  it('the same Idempotency-Key replays the first organization, and another body with it answers 409', async () => {
    // Arrange
    const [founder, stranger] = await Promise.all([testUser(), testUser()]);
    const key = randomUUID();
    const create = (name: string, as = founder) =>
      api(as).POST('/organizations', { params: { header: { 'Idempotency-Key': key } }, body: { name } });

    // Act
    const first = await create('Idempotent Inc');
    const replay = await create('Idempotent Inc');

    // Assert: the replay is the first response, and only one organization exists
    expect(first.response.status).toBe(201);
    expect(replay.response.status).toBe(201);
    expect(replay.data).toEqual(first.data);
    const mine = await api(founder).GET('/me/organizations');
    expect(mine.data!.items).toEqual([expect.objectContaining({ organizationId: first.data!.id, role: 'OWNER' })]);

    // Act + Assert: the same key with another body is refused and creates nothing
    const reused = await create('Another Inc');
    expect(reused.response.status).toBe(409);
    expect(reused.error?.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const still = await api(founder).GET('/me/organizations');
    expect(still.data!.items).toHaveLength(1);

    // Act + Assert: keys belong to their principal: another user's same key and body is a new organization
    const strangers = await create('Idempotent Inc', stranger);
    expect(strangers.response.status).toBe(201);
    expect(strangers.data).toMatchObject({ name: 'Idempotent Inc', ownerId: stranger.userId });
    expect(strangers.data!.id).not.toBe(first.data!.id);
  });
});
