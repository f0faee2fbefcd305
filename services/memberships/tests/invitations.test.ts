// The invitation lifecycle: PENDING → ACCEPTED | DECLINED | REVOKED | EXPIRED, the invitee's
// verified email, idempotent accept, expiry on read before TTL, resend, and the seat counter.

import { describe, expect, it } from '@jest/globals';
import { call, eventually, testUser } from '@tenantry/local-platform/testing';
import {
  accept,
  auditTypes,
  countersMatch,
  createOrganization,
  defineRole,
  invite,
  join,
  lapse,
  randomEmail,
  realCounts,
  storedInvitation,
  usage,
} from './support/fixtures';

async function expectCountersRight(orgId: string) {
  const counters = await countersMatch(orgId);
  expect(counters.seats).toBe(counters.expectedSeats);
  expect(counters.activeMembers).toBe(counters.expectedActiveMembers);
}

describe('creating an invitation', () => {
  it('answers 201 PENDING expiring in 7 days, takes a seat, and is listed for the organization and the invitee', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const before = Date.now();
    const reply = await invite(org.id, org.owner.token, invitee.email.toUpperCase(), 'MEMBER');
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      organizationId: org.id,
      email: invitee.email,
      role: 'MEMBER',
      status: 'PENDING',
    });
    expect(reply.body.invitedBy).toBe(org.owner.userId);
    const lifetime = Date.parse(reply.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);
    expect((await usage(org.id)).seats).toBe(2);

    const listed = await call(org.owner.token, 'GET', `/organizations/${org.id}/invitations`);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([reply.body.id]);
    const mine = await call(invitee.token, 'GET', '/me/invitations');
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ id: reply.body.id, organizationName: expect.any(String) });
    // A PENDING invitation holds a seat: TTL must never delete it.
    expect((await storedInvitation(org.id, reply.body.id))?.ttl).toBeUndefined();
  });

  it('refuses a second PENDING invitation for the same email with 409', async () => {
    const org = await createOrganization();
    const email = randomEmail();
    expect((await invite(org.id, org.owner.token, email, 'MEMBER')).status).toBe(201);
    const again = await invite(org.id, org.owner.token, email.toUpperCase(), 'VIEWER');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it("refuses with 409 an ACTIVE member's email, the OWNER's own included, and takes no seat", async () => {
    const org = await createOrganization({ plan: 'PRO' });
    const member = await join(org, 'MEMBER');
    const seats = (await usage(org.id)).seats;
    for (const email of [org.owner.email, member.email, member.email.toUpperCase()]) {
      const reply = await invite(org.id, org.owner.token, email, 'VIEWER');
      expect({ email, status: reply.status, code: reply.body.error?.code }).toEqual({
        email,
        status: 409,
        code: 'CONFLICT',
      });
    }
    expect((await usage(org.id)).seats).toBe(seats);
    expect(await realCounts(org.id)).toMatchObject({ members: 2, pending: 0 });
    await expectCountersRight(org.id);
  });

  it('admits exactly one of 20 concurrent invitations for one email, and counts its seat once', async () => {
    const org = await createOrganization({ plan: 'PRO' });
    const email = randomEmail();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invite(org.id, org.owner.token, i % 2 ? email : email.toUpperCase(), 'VIEWER'),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    expect((await usage(org.id)).seats).toBe(2);
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 1 });
    await expectCountersRight(org.id);
  });

  it('frees the email for a new invitation once the invitation leaves PENDING or the member leaves', async () => {
    const org = await createOrganization({ plan: 'PRO' });
    const email = randomEmail();
    const first = await invite(org.id, org.owner.token, email, 'VIEWER');
    expect(
      (await call(org.owner.token, 'DELETE', `/organizations/${org.id}/invitations/${first.body.id}`)).status,
    ).toBe(200);
    const second = await invite(org.id, org.owner.token, email, 'VIEWER');
    expect(second.status).toBe(201);
    // A lapsed PENDING invitation reads as EXPIRED: it is expired (seat and email freed) for a new one.
    await lapse(org.id, second.body.id);
    const third = await invite(org.id, org.owner.token, email, 'MEMBER');
    expect(third.status).toBe(201);
    // Resending the EXPIRED one while the new one is PENDING would make two: 409.
    expect(
      (await call(org.owner.token, 'POST', `/organizations/${org.id}/invitations/${second.body.id}/resend`)).status,
    ).toBe(409);
    const user = await testUser({ email });
    expect((await accept(third.body.id, user.token)).status).toBe(200);
    expect((await invite(org.id, org.owner.token, email, 'VIEWER')).status).toBe(409);
    expect((await call(user.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(204);
    expect((await invite(org.id, org.owner.token, email, 'VIEWER')).status).toBe(201);
    await expectCountersRight(org.id);
  });

  it('honours Idempotency-Key: a replay answers the first invitation without taking another seat', async () => {
    const org = await createOrganization();
    const body = { email: randomEmail(), role: 'MEMBER' };
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const path = `/organizations/${org.id}/invitations`;
    const first = await call(org.owner.token, 'POST', path, body, headers);
    const replay = await call(org.owner.token, 'POST', path, body, headers);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(first.body.id);
    expect((await usage(org.id)).seats).toBe(2);
    const reused = await call(org.owner.token, 'POST', path, { ...body, role: 'VIEWER' }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it.each([
    ['no body', undefined],
    ['a bad email', { email: 'not-an-email', role: 'MEMBER' }],
    ['an unknown role', { email: 'a@example.test', role: 'KING' }],
    ['an unknown field', { email: 'a@example.test', role: 'MEMBER', organizationId: 'org_other' }],
    ['a missing role', { email: 'a@example.test' }],
  ])('answers 400 VALIDATION_FAILED for %s, and changes nothing', async (_name, body) => {
    const org = await createOrganization();
    const reply = await call(org.owner.token, 'POST', `/organizations/${org.id}/invitations`, body ?? '');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 0 });
    expect((await usage(org.id)).seats).toBe(1);
  });

  it('answers 400 for a bad role in PATCH and a bad status or limit in a list, and changes nothing', async () => {
    const org = await createOrganization();
    const member = await join(org, 'MEMBER');
    const token = org.owner.token;
    const patch = await call(token, 'PATCH', `/organizations/${org.id}/members/${member.userId}`, { role: 'BOSS' });
    expect(patch.status).toBe(400);
    expect((await call(token, 'GET', `/organizations/${org.id}/invitations?status=NOPE`)).status).toBe(400);
    expect((await call(token, 'GET', `/organizations/${org.id}/members?limit=0`)).status).toBe(400);
    expect((await call(token, 'GET', `/organizations/${org.id}/members?limit=101`)).status).toBe(400);
    expect((await realCounts(org.id)).roles[member.userId]).toBe('MEMBER');
  });
});

describe('accepting', () => {
  it('creates the membership, moves the seat and answers the same membership when repeated', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const invitation = await invite(org.id, org.owner.token, invitee.email, 'ADMIN');
    const first = await accept(invitation.body.id, invitee.token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      organizationId: org.id,
      userId: invitee.userId,
      role: 'ADMIN',
      status: 'ACTIVE',
    });
    const second = await accept(invitation.body.id, invitee.token);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await realCounts(org.id)).toMatchObject({ members: 2, pending: 0 });
    expect((await usage(org.id)).seats).toBe(2);
    await expectCountersRight(org.id);
    const mine = await call(invitee.token, 'GET', '/me/organizations');
    expect(mine.body.items).toEqual([
      expect.objectContaining({ organizationId: org.id, role: 'ADMIN', status: 'ACTIVE' }),
    ]);
    const stored = await storedInvitation(org.id, invitation.body.id);
    expect(stored).toMatchObject({ status: 'ACCEPTED', respondedBy: invitee.userId });
    expect(stored?.ttl).toBeGreaterThan(Date.now() / 1000);
  });

  it('concurrent accepts of one invitation by its invitee make one membership', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const invitation = await invite(org.id, org.owner.token, invitee.email, 'MEMBER');
    const replies = await Promise.all(Array.from({ length: 10 }, () => accept(invitation.body.id, invitee.token)));
    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(200));
    expect(await realCounts(org.id)).toMatchObject({ members: 2, pending: 0 });
    await expectCountersRight(org.id);
  });

  it('is refused with 403 when the token email is not verified, and 404 for anyone else', async () => {
    const org = await createOrganization();
    const email = randomEmail();
    const invitation = await invite(org.id, org.owner.token, email, 'MEMBER');
    const unverified = await testUser({ email, emailVerified: false });
    const refused = await accept(invitation.body.id, unverified.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect((await call(unverified.token, 'POST', `/me/invitations/${invitation.body.id}/decline`)).status).toBe(403);
    expect((await call(unverified.token, 'GET', '/me/invitations')).status).toBe(403);
    const stranger = await testUser();
    expect((await accept(invitation.body.id, stranger.token)).status).toBe(404);
    expect((await accept(invitation.body.id, org.owner.token)).status).toBe(404);
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 1 });
  });

  it('answers 409 for a declined or revoked invitation', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const declined = await invite(org.id, org.owner.token, invitee.email, 'MEMBER');
    expect((await call(invitee.token, 'POST', `/me/invitations/${declined.body.id}/decline`)).status).toBe(200);
    expect((await accept(declined.body.id, invitee.token)).status).toBe(409);
    const revoked = await invite(org.id, org.owner.token, invitee.email, 'MEMBER');
    expect(
      (await call(org.owner.token, 'DELETE', `/organizations/${org.id}/invitations/${revoked.body.id}`)).status,
    ).toBe(200);
    expect((await accept(revoked.body.id, invitee.token)).status).toBe(409);
    await expectCountersRight(org.id);
  });
});

describe('declining and revoking', () => {
  it('decline frees the seat and is idempotent for the invitee', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const invitation = await invite(org.id, org.owner.token, invitee.email, 'VIEWER');
    const declined = await call(invitee.token, 'POST', `/me/invitations/${invitation.body.id}/decline`);
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('DECLINED');
    expect((await call(invitee.token, 'POST', `/me/invitations/${invitation.body.id}/decline`)).status).toBe(200);
    expect((await usage(org.id)).seats).toBe(1);
    expect((await call(invitee.token, 'GET', '/me/invitations')).body.items).toEqual([]);
  });

  it('revoke frees the seat; revoking again answers the same invitation; resending it answers 409', async () => {
    const org = await createOrganization();
    const invitation = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
    const path = `/organizations/${org.id}/invitations/${invitation.body.id}`;
    const revoked = await call(org.owner.token, 'DELETE', path);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('REVOKED');
    expect((await call(org.owner.token, 'DELETE', path)).body.status).toBe('REVOKED');
    expect((await call(org.owner.token, 'POST', `${path}/resend`)).status).toBe(409);
    expect((await usage(org.id)).seats).toBe(1);
  });

  it('an ADMIN cannot revoke or resend an invitation to ADMIN (only roles below their own)', async () => {
    const org = await createOrganization();
    const admin = await join(org, 'ADMIN');
    const invitation = await invite(org.id, org.owner.token, randomEmail(), 'ADMIN');
    const path = `/organizations/${org.id}/invitations/${invitation.body.id}`;
    expect((await call(admin.token, 'DELETE', path)).status).toBe(403);
    expect((await call(admin.token, 'POST', `${path}/resend`)).status).toBe(403);
  });
});

describe('an API key with invitations:manage', () => {
  const keyOf = async (org: { id: string; owner: { token: string } }, scopes: string[]) => {
    const created = await call(org.owner.token, 'POST', `/organizations/${org.id}/applications`, {
      name: 'HR',
      scopes,
    });
    expect(created.status).toBe(201);
    return { appId: created.body.application.id as string, apiKey: created.body.apiKey as string };
  };

  it('invites, resends and revokes as its application, only roles below ADMIN holding nothing beyond its scopes', async () => {
    const org = await createOrganization({ plan: 'PRO' });
    const reads = ['organization:read', 'members:read', 'applications:read'];
    const { appId, apiKey } = await keyOf(org, ['invitations:manage', ...reads]);
    const path = `/organizations/${org.id}/invitations`;
    const invited = await call({ apiKey }, 'POST', path, { email: randomEmail(), role: 'VIEWER' });
    expect(invited.status).toBe(201);
    expect(invited.body.invitedBy).toBe(appId);
    expect((await call({ apiKey }, 'POST', `${path}/${invited.body.id}/resend`)).status).toBe(200);
    const revoked = await call({ apiKey }, 'DELETE', `${path}/${invited.body.id}`);
    expect(revoked.body.status).toBe('REVOKED');
    type Entry = { type: string; actor: { kind: string; id: string } };
    const entries = await eventually(
      async () => (await call(org.owner.token, 'GET', `/organizations/${org.id}/audit-log`)).body.items as Entry[],
      { until: (items) => items.some((entry) => entry.type === 'invitation.revoked') },
    );
    const byKey = { kind: 'application', id: appId };
    for (const type of ['invitation.created', 'invitation.revoked']) {
      expect(entries.find((entry) => entry.type === type)?.actor).toEqual(byKey);
    }

    // A key has no rank: never ADMIN; and never a role holding what the key does not (audit:read).
    expect((await call({ apiKey }, 'POST', path, { email: randomEmail(), role: 'ADMIN' })).status).toBe(403);
    await defineRole(org, { key: 'auditor', baseRole: 'VIEWER', permissions: ['audit:read'] });
    expect((await call({ apiKey }, 'POST', path, { email: randomEmail(), role: 'auditor' })).status).toBe(403);
    // Without the reads every VIEWER holds, not even a VIEWER.
    const bare = await keyOf(org, ['invitations:manage']);
    expect((await call({ apiKey: bare.apiKey }, 'POST', path, { email: randomEmail(), role: 'VIEWER' })).status).toBe(
      403,
    );
    // An invitation an ADMIN key may not give, it may neither revoke nor resend.
    const toAdmin = await invite(org.id, org.owner.token, randomEmail(), 'ADMIN');
    expect((await call({ apiKey }, 'DELETE', `${path}/${toAdmin.body.id}`)).status).toBe(403);
    expect((await call({ apiKey }, 'POST', `${path}/${toAdmin.body.id}/resend`)).status).toBe(403);
    await expectCountersRight(org.id);
  });
});

describe('expiry', () => {
  it('an expired invitation never works, even before TTL deletes it, and its seat is freed', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const invitation = await invite(org.id, org.owner.token, invitee.email, 'MEMBER');
    await lapse(org.id, invitation.body.id);

    const listed = await call(org.owner.token, 'GET', `/organizations/${org.id}/invitations?status=EXPIRED`);
    expect(listed.body.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([
      [invitation.body.id, 'EXPIRED'],
    ]);
    expect(
      (await call(org.owner.token, 'GET', `/organizations/${org.id}/invitations?status=PENDING`)).body.items,
    ).toEqual([]);
    expect((await call(invitee.token, 'GET', '/me/invitations')).body.items).toEqual([]);

    const refused = await accept(invitation.body.id, invitee.token);
    expect(refused.status).toBe(409);
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 0 });
    expect((await usage(org.id)).seats).toBe(1);
    const stored = await storedInvitation(org.id, invitation.body.id);
    expect(stored).toMatchObject({ status: 'EXPIRED' });
    expect(stored?.gsi2pk).toBeUndefined();
    expect(stored?.ttl).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    expect((await call(invitee.token, 'POST', `/me/invitations/${invitation.body.id}/decline`)).status).toBe(409);
  });

  it('resend renews an EXPIRED invitation (taking a seat again) and then it can be accepted', async () => {
    const org = await createOrganization();
    const invitee = await testUser();
    const invitation = await invite(org.id, org.owner.token, invitee.email, 'MEMBER');
    await lapse(org.id, invitation.body.id);
    expect((await accept(invitation.body.id, invitee.token)).status).toBe(409); // now EXPIRED in storage
    expect((await usage(org.id)).seats).toBe(1);

    const resent = await call(
      org.owner.token,
      'POST',
      `/organizations/${org.id}/invitations/${invitation.body.id}/resend`,
    );
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe('PENDING');
    expect(Date.parse(resent.body.expiresAt)).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    expect((await usage(org.id)).seats).toBe(2);
    expect((await storedInvitation(org.id, invitation.body.id))?.ttl).toBeUndefined();
    expect((await accept(invitation.body.id, invitee.token)).status).toBe(200);
    await expectCountersRight(org.id);
  });

  it('resend renews a PENDING (even lapsed) invitation without taking another seat', async () => {
    const org = await createOrganization();
    const invitation = await invite(org.id, org.owner.token, randomEmail(), 'MEMBER');
    await lapse(org.id, invitation.body.id);
    const resent = await call(
      org.owner.token,
      'POST',
      `/organizations/${org.id}/invitations/${invitation.body.id}/resend`,
    );
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe('PENDING');
    expect((await usage(org.id)).seats).toBe(2);
    await expectCountersRight(org.id);
  });

  it('resending an EXPIRED invitation into a full plan answers 403 PLAN_LIMIT_REACHED', async () => {
    const org = await createOrganization(); // STARTER: 5 seats
    const expired = await invite(org.id, org.owner.token, randomEmail(), 'MEMBER');
    await lapse(org.id, expired.body.id);
    for (let i = 0; i < 4; i++)
      expect((await invite(org.id, org.owner.token, randomEmail(), 'VIEWER')).status).toBe(201);
    // The lapsed invitation was expired to make room for the fourth.
    expect((await storedInvitation(org.id, expired.body.id))?.status).toBe('EXPIRED');
    const resent = await call(
      org.owner.token,
      'POST',
      `/organizations/${org.id}/invitations/${expired.body.id}/resend`,
    );
    expect(resent.status).toBe(403);
    expect(resent.body.error.code).toBe('PLAN_LIMIT_REACHED');
    await expectCountersRight(org.id);
  });
});

describe('member changes', () => {
  it('role change, removal and leaving keep the counters right and reach the audit log', async () => {
    const org = await createOrganization({ plan: 'PRO' });
    const member = await join(org, 'MEMBER');
    const leaver = await join(org, 'VIEWER');
    const changed = await call(org.owner.token, 'PATCH', `/organizations/${org.id}/members/${member.userId}`, {
      role: 'VIEWER',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ userId: member.userId, role: 'VIEWER' });
    expect((await call(org.owner.token, 'DELETE', `/organizations/${org.id}/members/${member.userId}`)).status).toBe(
      204,
    );
    expect((await call(leaver.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(204);
    expect(await realCounts(org.id)).toMatchObject({ members: 1, pending: 0 });
    await expectCountersRight(org.id);
    // Removed: no access any more.
    expect((await call(member.token, 'GET', `/organizations/${org.id}/members`)).status).toBe(404);
    expect((await call(member.token, 'GET', '/me/organizations')).body.items).toEqual([]);

    const declined = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
    const revoked = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
    await call(org.owner.token, 'DELETE', `/organizations/${org.id}/invitations/${revoked.body.id}`);
    const decliner = await testUser({ email: declined.body.email });
    await call(decliner.token, 'POST', `/me/invitations/${declined.body.id}/decline`);

    const expected = [
      'invitation.created',
      'invitation.accepted',
      'invitation.declined',
      'invitation.revoked',
      'member.role_changed',
      'member.removed',
      'member.left',
    ];
    const types = await eventually(
      async () => {
        const found = new Set(await auditTypes(org.id));
        return expected.every((type) => found.has(type)) ? found : undefined;
      },
      { timeoutMs: 15_000, description: `the audit entries ${expected.join(', ')}` },
    );
    expect([...types]).toEqual(expect.arrayContaining(expected));
  });
});
