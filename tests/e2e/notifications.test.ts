// The notifications journey, through the one base URL with the typed client and the real local services: an
// ADMIN invites ana@example.com → Ana (already signed up) sees the invitation in her inbox → accepts →
// the OWNER sees that a member joined → the ADMIN rotates an application's key → the OWNER and the
// ADMINs see it → the audit log lists all of it, in order.
import { describe, expect, it } from '@jest/globals';
import { api, eventually, foundOrganization, join, type TestUser, testUser } from './support';

type Notification = { id: string; type: string; title: string; organizationId?: string; read: boolean };

/** My notifications (first page, newest first) once one of `type` (of this organization) is there. */
async function seen(user: TestUser, type: string, orgId: string): Promise<Notification[]> {
  return eventually(async () => {
    const { data } = await api(user).GET('/me/notifications', { params: { query: { limit: 100 } } });
    return data?.items.some((item) => item.type === type && item.organizationId === orgId) ? data.items : undefined;
  });
}

describe('notifications and the audit log across services', () => {
  it('an invitation, a member joining and a key rotation reach the right inboxes and the audit log, in order', async () => {
    // Arrange: an OWNER, an ADMIN, and Ana, who signed up before anyone invited her
    const owner = await testUser();
    const org = await foundOrganization(owner);
    const admin = await join(owner, org.id, 'ADMIN');
    const ana = await testUser({ email: 'ana@example.com' });
    const path = { params: { path: { orgId: org.id } } };

    // Act 1: the ADMIN invites ana@example.com
    const invited = await api(admin).POST('/organizations/{orgId}/invitations', {
      ...path,
      body: { email: 'ana@example.com', role: 'MEMBER' },
    });
    expect(invited.response.status).toBe(201);

    // Assert 1: Ana sees the invitation notification (addressed to her verified email), unread
    const anaInbox = await seen(ana, 'invitation.created', org.id);
    const invitation = anaInbox.find((item) => item.type === 'invitation.created')!;
    expect(invitation).toMatchObject({ organizationId: org.id, read: false });
    expect(invitation.title).toContain(org.name);
    const anaCount = await api(ana).GET('/me/notifications/unread-count');
    expect(anaCount.data!.count).toBeGreaterThanOrEqual(1);

    // Act 2: Ana accepts
    const accepted = await api(ana).POST('/me/invitations/{invitationId}/accept', {
      params: { path: { invitationId: invited.data!.id } },
    });
    expect(accepted.response.status).toBe(200);

    // Assert 2: the OWNER sees "A member joined" (Ana, as MEMBER)
    const ownerInbox = await seen(owner, 'invitation.accepted', org.id);
    const joinedNotes = ownerInbox.filter((item) => item.type === 'invitation.accepted');
    expect(joinedNotes[0]!.title).toBe('A member joined');

    // Act 3: the ADMIN creates an application and rotates its key
    const created = await api(admin).POST('/organizations/{orgId}/applications', {
      ...path,
      body: { name: 'ERP sync' },
    });
    expect(created.response.status).toBe(201);
    const appPath = { params: { path: { orgId: org.id, appId: created.data!.application.id } } };
    const rotated = await api(admin).POST('/organizations/{orgId}/applications/{appId}/api-keys/rotate', appPath);
    expect(rotated.response.status).toBe(200);

    // Assert 3: the OWNER and the ADMIN see it; Ana, a MEMBER, does not
    for (const user of [owner, admin]) {
      const inbox = await seen(user, 'api_key.rotated', org.id);
      expect(inbox.find((item) => item.type === 'api_key.rotated')!.title).toBe('An API key was rotated');
    }
    const anaAfter = await api(ana).GET('/me/notifications');
    expect(anaAfter.data!.items.map((item) => item.type)).not.toContain('api_key.rotated');

    // Assert 4: the audit log (read by the OWNER through the API) lists it all, newest first
    const expected = [
      'api_key.rotated',
      'application.created',
      'invitation.accepted',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'organization.created',
    ];
    const log = await eventually(async () => {
      const { data } = await api(owner).GET('/organizations/{orgId}/audit-log', {
        params: { path: { orgId: org.id }, query: { limit: 100 } },
      });
      return data && data.items.length >= expected.length ? data.items : undefined;
    });
    expect(log.map((entry) => entry.type)).toEqual(expected);
    expect(log[2]).toMatchObject({ actor: { kind: 'user', id: ana.userId }, data: { email: 'ana@example.com' } });
    expect(log[3]).toMatchObject({ actor: { kind: 'user', id: admin.userId }, data: { email: 'ana@example.com' } });
    const times = log.map((entry) => entry.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);

    // …and Ana, a MEMBER now, may not read it
    const refused = await api(ana).GET('/organizations/{orgId}/audit-log', path);
    expect(refused.response.status).toBe(403);
  });
});
