// Every route for every kind of caller: the members of each role, a non-member, platform staff,
// a foreign organization and a missing one (contract §1–3). Layer 2 answers 404 alike for a missing
// organization and one the caller cannot see.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, type TestUser, testUser } from '@tenantry/local-platform/testing';
import {
  createOrganization,
  invite,
  join,
  randomEmail,
  setOrganizationStatus,
  type TestOrganization,
} from './support/fixtures';

type Caller = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER' | 'outsider' | 'platformOwner' | 'employee';

let org: TestOrganization;
let foreign: TestOrganization;
const users = {} as Record<Caller, TestUser>;

beforeAll(async () => {
  org = await createOrganization({ plan: 'ENTERPRISE' });
  foreign = await createOrganization({ plan: 'ENTERPRISE' });
  users.OWNER = org.owner;
  [users.ADMIN, users.MEMBER, users.VIEWER] = await Promise.all([
    join(org, 'ADMIN'),
    join(org, 'MEMBER'),
    join(org, 'VIEWER'),
  ]);
  [users.outsider, users.platformOwner, users.employee] = await Promise.all([
    testUser(),
    testUser({ group: 'OWNER' }),
    testUser({ group: 'EMPLOYEE' }),
  ]);
}, 60_000);

interface RouteCall {
  method: string;
  path: string;
  body?: () => unknown;
}

const orgRoutes = (orgId: string): Record<'listMembers' | 'listInvitations' | 'createInvitation', RouteCall> => ({
  listMembers: { method: 'GET', path: `/organizations/${orgId}/members` },
  listInvitations: { method: 'GET', path: `/organizations/${orgId}/invitations` },
  createInvitation: {
    method: 'POST',
    path: `/organizations/${orgId}/invitations`,
    body: () => ({ email: randomEmail(), role: 'VIEWER' }),
  },
});

// Expected status per caller for the routes that need no target.
const expected: Record<string, Record<Caller, number>> = {
  listMembers: { OWNER: 200, ADMIN: 200, MEMBER: 200, VIEWER: 200, outsider: 404, platformOwner: 200, employee: 200 },
  listInvitations: {
    OWNER: 200,
    ADMIN: 200,
    MEMBER: 403,
    VIEWER: 403,
    outsider: 404,
    platformOwner: 200,
    employee: 403,
  },
  createInvitation: {
    OWNER: 201,
    ADMIN: 201,
    MEMBER: 403,
    VIEWER: 403,
    outsider: 404,
    platformOwner: 201,
    employee: 403,
  },
};

const callers = Object.keys(expected.listMembers!) as Caller[];

describe.each(Object.keys(expected))('%s', (name) => {
  it.each(callers)('as %s', async (caller) => {
    const route = orgRoutes(org.id)[name as keyof ReturnType<typeof orgRoutes>];
    const body = route.body?.();
    const reply = await call(users[caller].token, route.method, route.path, body);
    expect({ status: reply.status, body: reply.body }).toMatchObject({ status: expected[name]![caller] });
    if (reply.status === 404) expect(reply.body.error.code).toBe('NOT_FOUND');
    if (reply.status === 403) expect(reply.body.error.code).toBe('FORBIDDEN');
  });

  it('answers 404 for a foreign organization, as for a missing one', async () => {
    const route = orgRoutes(foreign.id)[name as keyof ReturnType<typeof orgRoutes>];
    const missing = orgRoutes(`org_${randomUUID().replace(/-/g, '')}`)[name as keyof ReturnType<typeof orgRoutes>];
    for (const target of [route, missing]) {
      const body = target.body?.();
      const reply = await call(users.ADMIN.token, target.method, target.path, body);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('routes on a target (member, invitation)', () => {
  it('answers 404 to a non-member and for a foreign or missing organization, whatever the target', async () => {
    const invitation = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
    const targets = [
      ['PATCH', `/members/${users.VIEWER.userId}`, { role: 'MEMBER' }],
      ['DELETE', `/members/${users.VIEWER.userId}`, undefined],
      ['POST', '/leave', undefined],
      ['DELETE', `/invitations/${invitation.body.id}`, undefined],
      ['POST', `/invitations/${invitation.body.id}/resend`, undefined],
    ] as const;
    for (const [method, suffix, body] of targets) {
      for (const [orgId, caller] of [
        [org.id, users.outsider],
        [foreign.id, users.ADMIN],
        [`org_${randomUUID().replace(/-/g, '')}`, users.OWNER],
      ] as const) {
        const reply = await call(caller.token, method, `/organizations/${orgId}${suffix}`, body);
        expect({ route: `${method} ${suffix}`, status: reply.status }).toEqual({
          route: `${method} ${suffix}`,
          status: 404,
        });
      }
    }
  });

  it('answers 404 for a member or invitation that does not exist in the organization', async () => {
    const foreignInvitation = await invite(foreign.id, foreign.owner.token, randomEmail(), 'VIEWER');
    const owner = org.owner.token;
    expect((await call(owner, 'PATCH', `/organizations/${org.id}/members/nobody`, { role: 'VIEWER' })).status).toBe(
      404,
    );
    expect((await call(owner, 'DELETE', `/organizations/${org.id}/members/${foreign.owner.userId}`)).status).toBe(404);
    expect(
      (await call(owner, 'DELETE', `/organizations/${org.id}/invitations/${foreignInvitation.body.id}`)).status,
    ).toBe(404);
    expect((await call(owner, 'POST', `/organizations/${org.id}/invitations/inv_missing/resend`)).status).toBe(404);
  });

  it('lets MEMBER and VIEWER neither manage members nor invitations (403)', async () => {
    const invitation = await invite(org.id, org.owner.token, randomEmail(), 'VIEWER');
    for (const caller of [users.MEMBER, users.VIEWER]) {
      const token = caller.token;
      expect((await call(token, 'DELETE', `/organizations/${org.id}/invitations/${invitation.body.id}`)).status).toBe(
        403,
      );
      expect(
        (await call(token, 'POST', `/organizations/${org.id}/invitations/${invitation.body.id}/resend`)).status,
      ).toBe(403);
      expect((await call(token, 'DELETE', `/organizations/${org.id}/members/${users.VIEWER.userId}`)).status).toBe(403);
    }
  });

  it('lets platform staff who are not members not leave (403), and a non-member gets 404', async () => {
    expect((await call(users.platformOwner.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(403);
    expect((await call(users.employee.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(403);
    expect((await call(users.outsider.token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(404);
  });
});

describe('user routes', () => {
  it.each(callers)('GET /me/organizations and /me/invitations answer 200 for %s', async (caller) => {
    expect((await call(users[caller].token, 'GET', '/me/organizations')).status).toBe(200);
    expect((await call(users[caller].token, 'GET', '/me/invitations')).status).toBe(200);
  });

  it('answers 404 to accept or decline an invitation that does not exist', async () => {
    for (const action of ['accept', 'decline']) {
      const reply = await call(users.outsider.token, 'POST', `/me/invitations/inv_missing/${action}`);
      expect(reply.status).toBe(404);
    }
  });

  it('answers 401 without a token', async () => {
    expect((await call(undefined, 'GET', '/me/organizations')).status).toBe(401);
    expect((await call(undefined, 'GET', `/organizations/${org.id}/members`)).status).toBe(401);
  });
});

describe('organization status', () => {
  it('a SUSPENDED organization can be read but every write answers 403 ORGANIZATION_SUSPENDED', async () => {
    const suspended = await createOrganization({ plan: 'ENTERPRISE' });
    const viewer = await join(suspended, 'VIEWER');
    const invitee = await testUser();
    const pending = await invite(suspended.id, suspended.owner.token, invitee.email, 'MEMBER');
    await setOrganizationStatus(suspended, 'SUSPENDED');
    const owner = suspended.owner.token;
    expect((await call(owner, 'GET', `/organizations/${suspended.id}/members`)).status).toBe(200);
    const writes = [
      await invite(suspended.id, owner, randomEmail(), 'VIEWER'),
      await call(owner, 'PATCH', `/organizations/${suspended.id}/members/${viewer.userId}`, { role: 'MEMBER' }),
      await call(owner, 'DELETE', `/organizations/${suspended.id}/members/${viewer.userId}`),
      await call(viewer.token, 'POST', `/organizations/${suspended.id}/leave`),
      await call(invitee.token, 'POST', `/me/invitations/${pending.body.id}/accept`),
    ];
    for (const reply of writes) {
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('ORGANIZATION_SUSPENDED');
    }
  });

  it('a DELETED organization disappears from my organizations and my invitations, and answers 404', async () => {
    const doomed = await createOrganization();
    const member = await join(doomed, 'MEMBER');
    const pending = await invite(doomed.id, doomed.owner.token, member.email.replace('@', '+x@'), 'VIEWER');
    await setOrganizationStatus(doomed, 'DELETED');
    const mine = await call(member.token, 'GET', '/me/organizations');
    expect(mine.body.items.map((item: { organizationId: string }) => item.organizationId)).not.toContain(doomed.id);
    expect((await call(member.token, 'GET', `/organizations/${doomed.id}/members`)).status).toBe(404);
    expect((await call(member.token, 'POST', `/me/invitations/${pending.body.id}/accept`)).status).toBe(404);
  });
});
