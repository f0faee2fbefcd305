// Custom roles given by the memberships service (contract §9): by invitation, accept and role change,
// under the escalation rule of §2 and §9 (rank strictly below AND permissions a subset of the
// assigner's); each role's `holders` moves in the transaction that gives or takes it, and
// GET /organizations/{orgId}/me answers what the caller's role lets them do.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, eventually, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { Permission } from '@tenantry/models';
import {
  accept,
  countersMatch,
  createOrganization,
  defineRole,
  dropRole,
  dropRoleItem,
  holders,
  invite,
  join,
  lapse,
  randomEmail,
  realHolders,
  storedInvitation,
  type TestOrganization,
  usage,
} from './support/fixtures';

// The roles of these tests, written out here: what each holds is what its holders may do.
const AUDITOR: Permission[] = ['organization:read', 'members:read', 'audit:read'];
const READER: Permission[] = ['organization:read', 'members:read'];
/** ADMIN-ranked, manages members and invitations, but may not read the audit log. */
const LEAD: Permission[] = [
  'organization:read',
  'members:read',
  'members:manage',
  'invitations:read',
  'invitations:manage',
];
/** Every role holds this one whatever its list says (anyone but the OWNER may leave, contract §2). */
const ALWAYS = 'membership:leave';

const sorted = (values: readonly string[]) => [...values].sort();

let org: TestOrganization;
let lead: TestUser;

beforeAll(async () => {
  org = await createOrganization({ plan: 'ENTERPRISE' });
  await Promise.all([
    defineRole(org, { key: 'auditor', baseRole: 'VIEWER', permissions: AUDITOR }),
    defineRole(org, { key: 'reader', baseRole: 'VIEWER', permissions: READER }),
    defineRole(org, { key: 'lead', baseRole: 'ADMIN', permissions: LEAD }),
  ]);
  lead = await join(org, 'lead');
}, 60_000);

const me = (user: TestUser, orgId = org.id) => call(user.token, 'GET', `/organizations/${orgId}/me`);
const patchRole = (actor: TestUser, userId: string, role: unknown) =>
  call(actor.token, 'PATCH', `/organizations/${org.id}/members/${userId}`, { role });

describe('invite with a custom role, then accept', () => {
  it('counts the invitation among the holders, keeps the count on accept, and the member has exactly its permissions', async () => {
    const user = await testUser();
    const before = await holders(org.id, 'auditor');
    const invited = await invite(org.id, org.owner.token, user.email, 'auditor');
    expect({ status: invited.status, role: invited.body.role }).toEqual({ status: 201, role: 'auditor' });
    expect(await holders(org.id, 'auditor')).toBe(before! + 1);

    const accepted = await accept(invited.body.id, user.token);
    expect({ status: accepted.status, role: accepted.body.role }).toEqual({ status: 200, role: 'auditor' });
    expect(await holders(org.id, 'auditor')).toBe(before! + 1);

    const access = await me(user);
    expect({ status: access.status, body: { ...access.body, permissions: sorted(access.body.permissions) } }).toEqual({
      status: 200,
      body: {
        organizationId: org.id,
        role: 'auditor',
        baseRole: 'VIEWER',
        permissions: sorted([...AUDITOR, ALWAYS]),
        builtIn: false,
      },
    });
    // Its next requests are decided with those permissions: audit:read yes (a VIEWER could not),
    // invitations:read no.
    const audit = await call(user.token, 'GET', `/organizations/${org.id}/audit-log`);
    const invitations = await call(user.token, 'GET', `/organizations/${org.id}/invitations`);
    expect({ audit: audit.status, invitations: invitations.status }).toEqual({ audit: 200, invitations: 403 });
    expect(await realHolders(org.id, 'auditor')).toBe(await holders(org.id, 'auditor'));
  });

  it('GET …/me answers a built-in role with the permissions its rank reaches', async () => {
    const viewer = await join(org, 'VIEWER');
    const access = await me(viewer);
    expect(access.status).toBe(200);
    expect(access.body).toMatchObject({ role: 'VIEWER', baseRole: 'VIEWER', builtIn: true });
    expect(access.body.permissions).toEqual(expect.arrayContaining(['organization:read', 'members:read']));
    expect(access.body.permissions).not.toContain('audit:read');
    const owner = await me(org.owner);
    expect(owner.body).toMatchObject({ role: 'OWNER', baseRole: 'OWNER', builtIn: true });
    expect(owner.body.permissions).toEqual(expect.arrayContaining(['roles:manage', 'ownership:transfer']));
  });
});

describe('the holders of a role follow every change', () => {
  it('a role change from custom A to custom B moves both counters, notifies the member, and applies on the next request', async () => {
    const user = await join(org, 'reader');
    const [reader, auditor] = [await holders(org.id, 'reader'), await holders(org.id, 'auditor')];
    const changed = await patchRole(org.owner, user.userId, 'auditor');
    expect({ status: changed.status, role: changed.body.role }).toEqual({ status: 200, role: 'auditor' });
    expect({ reader: await holders(org.id, 'reader'), auditor: await holders(org.id, 'auditor') }).toEqual({
      reader: reader! - 1,
      auditor: auditor! + 1,
    });
    expect((await call(user.token, 'GET', `/organizations/${org.id}/audit-log`)).status).toBe(200);
    expect((await me(user)).body.role).toBe('auditor');

    const notified = await eventually(
      async () => {
        const inbox = await call(user.token, 'GET', '/me/notifications?limit=100');
        return (inbox.body.items as { type: string; body: string }[]).find(
          (item) => item.type === 'member.role_changed',
        );
      },
      { description: 'the member.role_changed notification of the member' },
    );
    expect(notified.body).toContain('reader');
    expect(notified.body).toContain('auditor');

    // To a built-in role and back out: only the custom side moves.
    const auditorNow = await holders(org.id, 'auditor');
    expect((await patchRole(org.owner, user.userId, 'VIEWER')).status).toBe(200);
    expect(await holders(org.id, 'auditor')).toBe(auditorNow! - 1);
    expect((await patchRole(org.owner, user.userId, 'reader')).status).toBe(200);
    expect(await holders(org.id, 'reader')).toBe(reader);
  });

  it('removal and leaving take one holder each', async () => {
    const [removed, leaving] = await Promise.all([join(org, 'reader'), join(org, 'reader')]);
    const before = await holders(org.id, 'reader');
    expect((await call(org.owner.token, 'DELETE', `/organizations/${org.id}/members/${removed.userId}`)).status).toBe(
      204,
    );
    expect(await holders(org.id, 'reader')).toBe(before! - 1);
    expect((await call(leaving.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(204);
    expect(await holders(org.id, 'reader')).toBe(before! - 2);
    expect(await realHolders(org.id, 'reader')).toBe(before! - 2);
  });

  it('an invitation that never became a member gives its holder back: revoked, declined, expired; a resend takes it again', async () => {
    const start = await holders(org.id, 'reader');
    const revoked = await invite(org.id, org.owner.token, randomEmail(), 'reader');
    expect(await holders(org.id, 'reader')).toBe(start! + 1);
    expect(
      (await call(org.owner.token, 'DELETE', `/organizations/${org.id}/invitations/${revoked.body.id}`)).status,
    ).toBe(200);
    expect(await holders(org.id, 'reader')).toBe(start);

    const decliner = await testUser();
    const declined = await invite(org.id, org.owner.token, decliner.email, 'reader');
    expect((await call(decliner.token, 'POST', `/me/invitations/${declined.body.id}/decline`)).status).toBe(200);
    expect(await holders(org.id, 'reader')).toBe(start);

    const late = await testUser();
    const lapsed = await invite(org.id, org.owner.token, late.email, 'reader');
    await lapse(org.id, lapsed.body.id);
    expect((await accept(lapsed.body.id, late.token)).status).toBe(409);
    expect((await storedInvitation(org.id, lapsed.body.id))?.status).toBe('EXPIRED');
    expect(await holders(org.id, 'reader')).toBe(start);

    const resent = await call(org.owner.token, 'POST', `/organizations/${org.id}/invitations/${lapsed.body.id}/resend`);
    expect({ status: resent.status, state: resent.body.status }).toEqual({ status: 200, state: 'PENDING' });
    expect(await holders(org.id, 'reader')).toBe(start! + 1);
    expect(await realHolders(org.id, 'reader')).toBe(start! + 1);
  });

  it('counters equal the real counts after a burst of concurrent invitations (duplicates refused) and revocations', async () => {
    const emails = Array.from({ length: 12 }, randomEmail);
    // Each email twice: exactly one of each pair is created; the refused one must not count.
    const replies = await Promise.all(
      [...emails, ...emails].map((email) => invite(org.id, org.owner.token, email, 'auditor')),
    );
    const created = replies.filter((reply) => reply.status === 201);
    expect({ created: created.length, refused: replies.filter((reply) => reply.status === 409).length }).toEqual({
      created: 12,
      refused: 12,
    });
    await Promise.all(
      created
        .slice(0, 6)
        .map((reply) => call(org.owner.token, 'DELETE', `/organizations/${org.id}/invitations/${reply.body.id}`)),
    );
    expect(await holders(org.id, 'auditor')).toBe(await realHolders(org.id, 'auditor'));
    const counters = await countersMatch(org.id);
    expect(counters.seats).toBe(counters.expectedSeats);
  });
});

describe('the escalation rule (contract §2, §9)', () => {
  it('an ADMIN-ranked custom-role holder without audit:read may not give a role holding audit:read', async () => {
    const target = await join(org, 'reader');
    const before = { auditor: await holders(org.id, 'auditor'), usage: await usage(org.id) };

    const invited = await invite(org.id, lead.token, randomEmail(), 'auditor');
    expect({ status: invited.status, code: invited.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const changed = await patchRole(lead, target.userId, 'auditor');
    expect({ status: changed.status, code: changed.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });

    expect({ auditor: await holders(org.id, 'auditor'), usage: await usage(org.id) }).toEqual(before);
    expect((await me(target)).body.role).toBe('reader');
    // What the lead holds, the lead may give.
    expect((await invite(org.id, lead.token, randomEmail(), 'reader')).status).toBe(201);
  });

  it('nobody gives a role of their own rank or above, custom or not', async () => {
    const other = await join(org, 'reader');
    expect((await invite(org.id, lead.token, randomEmail(), 'lead')).status).toBe(403);
    expect((await patchRole(lead, other.userId, 'ADMIN')).status).toBe(403);
    expect((await patchRole(lead, lead.userId, 'reader')).status).toBe(403);
  });
});

describe('a role that does not exist', () => {
  it('never existed: 400 on /role, nothing written', async () => {
    const member = await join(org, 'reader');
    const before = await usage(org.id);
    const invited = await invite(org.id, org.owner.token, randomEmail(), 'ghost');
    expect({ status: invited.status, field: invited.body.error?.details?.[0]?.field }).toEqual({
      status: 400,
      field: '/role',
    });
    expect((await patchRole(org.owner, member.userId, 'ghost')).status).toBe(400);
    expect(await usage(org.id)).toEqual(before);
    expect(await holders(org.id, 'ghost')).toBeUndefined();
  });

  it('deleted between the read of the organization and the write: invite, role change and accept answer 409, nothing written', async () => {
    const other = await createOrganization({ plan: 'ENTERPRISE' });
    await defineRole(other, { key: 'temp', baseRole: 'VIEWER', permissions: READER });
    const invitee = await testUser();
    const pending = await invite(other.id, other.owner.token, invitee.email, 'temp');
    const member = await join(other, 'VIEWER');
    await dropRoleItem(other.id, 'temp');
    const before = await usage(other.id);

    const invited = await invite(other.id, other.owner.token, randomEmail(), 'temp');
    expect({ status: invited.status, code: invited.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });
    const changed = await call(other.owner.token, 'PATCH', `/organizations/${other.id}/members/${member.userId}`, {
      role: 'temp',
    });
    expect({ status: changed.status, code: changed.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });
    const accepted = await accept(pending.body.id, invitee.token);
    expect({ status: accepted.status, code: accepted.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });

    expect(await usage(other.id)).toEqual(before);
    expect((await storedInvitation(other.id, pending.body.id))?.status).toBe('PENDING');
    expect((await me(member, other.id)).body.role).toBe('VIEWER');
    expect((await me(invitee, other.id)).status).toBe(404);
    expect(await holders(other.id, 'temp')).toBeUndefined();
  });
});

describe('GET /organizations/{orgId}/me', () => {
  it('answers a member whose custom role is gone with its key, no rank and no permissions (it grants nothing)', async () => {
    const other = await createOrganization({ plan: 'ENTERPRISE' });
    await defineRole(other, { key: 'fleeting', baseRole: 'MEMBER', permissions: READER });
    const member = await join(other, 'fleeting');
    expect((await me(member, other.id)).body.permissions).toContain('members:read');
    await dropRole(other.id, 'fleeting');
    const access = await me(member, other.id);
    expect({ status: access.status, body: access.body }).toEqual({
      status: 200,
      body: { organizationId: other.id, role: 'fleeting', permissions: [], builtIn: false },
    });
    expect((await call(member.token, 'GET', `/organizations/${other.id}/members`)).status).toBe(403);
    // Its holder can still be given another role or removed: there is no counter left to move.
    const changed = await call(other.owner.token, 'PATCH', `/organizations/${other.id}/members/${member.userId}`, {
      role: 'VIEWER',
    });
    expect({ status: changed.status, role: changed.body.role }).toEqual({ status: 200, role: 'VIEWER' });
    expect(
      (await call(other.owner.token, 'DELETE', `/organizations/${other.id}/members/${member.userId}`)).status,
    ).toBe(204);
    expect(await holders(other.id, 'fleeting')).toBeUndefined();
  });

  it('is 404 to a non-member, platform staff who are not members, and for an organization that does not exist', async () => {
    const [outsider, platformOwner, employee] = await Promise.all([
      testUser(),
      testUser({ group: 'OWNER' }),
      testUser({ group: 'EMPLOYEE' }),
    ]);
    for (const user of [outsider, platformOwner, employee]) {
      const reply = await me(user);
      expect({ status: reply.status, code: reply.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    }
    expect((await me(lead, 'org_00000000000000000000000000')).status).toBe(404);
  });

  it('refuses a malformed organization id with 400, never 500', async () => {
    for (const orgId of ['not an id', `org_${'x'.repeat(300)}`, '%00', '..%2Fmembers']) {
      const reply = await me(lead, orgId);
      expect({ orgId, status: reply.status, code: reply.body?.error?.code }).toEqual({
        orgId,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });
});

describe('hostile role values on the changed routes (contract §8)', () => {
  const hostile: unknown[] = [
    'OWNER',
    'owner',
    'Auditor',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'a'.repeat(41),
    'reader\u0000',
    'reader ',
    '',
    123,
    null,
    ['reader'],
    { key: 'reader' },
  ];

  it('answers 4xx in the error envelope and writes nothing', async () => {
    const member = await join(org, 'reader');
    const before = { usage: await usage(org.id), reader: await holders(org.id, 'reader') };
    for (const role of hostile) {
      const invited = await call(org.owner.token, 'POST', `/organizations/${org.id}/invitations`, {
        email: randomEmail(),
        role,
      });
      const changed = await patchRole(org.owner, member.userId, role);
      for (const [route, reply] of [
        ['invite', invited],
        ['change', changed],
      ] as const) {
        expect({ route, role, status: reply.status, code: typeof reply.body?.error?.code }).toEqual({
          route,
          role,
          status: role === 'OWNER' ? 403 : 400,
          code: 'string',
        });
      }
    }
    expect({ usage: await usage(org.id), reader: await holders(org.id, 'reader') }).toEqual(before);
    expect((await me(member)).body.role).toBe('reader');
  });
});
