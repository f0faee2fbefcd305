// Contract §2 for every role pair, table-driven: a member may change or remove only members strictly
// below their own role, assign or invite only roles strictly below their own; the OWNER is never
// demoted or removed; platform OWNER (members:manage) acts above every role but OWNER.

import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { OrganizationRole } from '@tenantry/models';
import {
  countersMatch,
  createOrganization,
  invite,
  join,
  randomEmail,
  type TestOrganization,
} from './support/fixtures';

const ROLES: OrganizationRole[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
type ActingAs = OrganizationRole | 'PLATFORM_OWNER';
const ACTORS: ActingAs[] = [...ROLES, 'PLATFORM_OWNER'];
// The expectations, written out independently of the implementation.
const RANK: Record<ActingAs, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3, PLATFORM_OWNER: 2.5 };
const mayManage = (actor: ActingAs, target: OrganizationRole) => RANK[target] < RANK[actor] && RANK[actor] >= 2;
const mayAssign = (actor: ActingAs, role: OrganizationRole) => RANK[role] < RANK[actor] && RANK[actor] >= 2;

let org: TestOrganization;
let platformOwner: TestUser;
/** The acting member of each role, and a separate member of each role to act on. */
const actors = {} as Record<ActingAs, TestUser>;
const targets = {} as Record<OrganizationRole, TestUser>;

beforeAll(async () => {
  org = await createOrganization({ plan: 'ENTERPRISE' });
  platformOwner = await testUser({ group: 'OWNER' });
  actors.OWNER = org.owner;
  actors.PLATFORM_OWNER = platformOwner;
  targets.OWNER = org.owner;
  [actors.ADMIN, actors.MEMBER, actors.VIEWER, targets.ADMIN, targets.MEMBER, targets.VIEWER] = await Promise.all([
    join(org, 'ADMIN'),
    join(org, 'MEMBER'),
    join(org, 'VIEWER'),
    join(org, 'ADMIN'),
    join(org, 'MEMBER'),
    join(org, 'VIEWER'),
  ]);
}, 60_000);

const roleChanges = ACTORS.flatMap((actor) =>
  ROLES.flatMap((target) => ROLES.map((role) => [actor, target, role] as const)),
);

describe('PATCH /organizations/{orgId}/members/{userId} for every role pair', () => {
  it.each(roleChanges)('%s changing a %s to %s', async (actor, target, role) => {
    const user = targets[target];
    const reply = await call(actors[actor].token, 'PATCH', `/organizations/${org.id}/members/${user.userId}`, { role });
    const allowed = mayManage(actor, target) && mayAssign(actor, role);
    expect({ status: reply.status, body: reply.body }).toMatchObject({ status: allowed ? 200 : 403 });
    if (allowed) {
      expect(reply.body.role).toBe(role);
      // Put it back (always allowed when the change was).
      const back = await call(actors[actor].token, 'PATCH', `/organizations/${org.id}/members/${user.userId}`, {
        role: target,
      });
      expect(back.status).toBe(200);
    } else {
      expect(reply.body.error.code).toBe('FORBIDDEN');
    }
  });
});

describe('POST /organizations/{orgId}/invitations for every role pair', () => {
  const pairs = ACTORS.flatMap((actor) => ROLES.map((role) => [actor, role] as const));
  it.each(pairs)('%s inviting a %s', async (actor, role) => {
    const reply = await invite(org.id, actors[actor].token, randomEmail(), role);
    expect({ status: reply.status, body: reply.body }).toMatchObject({ status: mayAssign(actor, role) ? 201 : 403 });
  });
});

describe('DELETE /organizations/{orgId}/members/{userId} for every role pair', () => {
  const pairs = ACTORS.flatMap((actor) => ROLES.map((target) => [actor, target] as const));
  it.each(pairs)('%s removing a %s', async (actor, target) => {
    const user = targets[target];
    const reply = await call(actors[actor].token, 'DELETE', `/organizations/${org.id}/members/${user.userId}`);
    const allowed = mayManage(actor, target);
    expect({ status: reply.status, body: reply.body }).toMatchObject({ status: allowed ? 204 : 403 });
    if (allowed) targets[target] = await join(org, target); // a new member of that role for the next cases
  });

  it('keeps exactly one OWNER and the counters equal to the real counts', async () => {
    const members = await call(org.owner.token, 'GET', `/organizations/${org.id}/members?limit=100`);
    expect(members.body.items.filter((item: { role: string }) => item.role === 'OWNER')).toHaveLength(1);
    const counters = await countersMatch(org.id);
    expect(counters.seats).toBe(counters.expectedSeats);
    expect(counters.activeMembers).toBe(counters.expectedActiveMembers);
  });
});

describe('leaving', () => {
  it.each(['ADMIN', 'MEMBER', 'VIEWER'] as const)('a %s may leave', async (role) => {
    const member = await join(org, role);
    const reply = await call(member.token, 'POST', `/organizations/${org.id}/leave`);
    expect(reply.status).toBe(204);
    expect((await call(member.token, 'GET', `/organizations/${org.id}/members`)).status).toBe(404);
  });

  it('the OWNER cannot leave (403), nor remove or demote themselves', async () => {
    const token = org.owner.token;
    expect((await call(token, 'POST', `/organizations/${org.id}/leave`)).status).toBe(403);
    expect((await call(token, 'DELETE', `/organizations/${org.id}/members/${org.owner.userId}`)).status).toBe(403);
    const demote = await call(token, 'PATCH', `/organizations/${org.id}/members/${org.owner.userId}`, {
      role: 'ADMIN',
    });
    expect(demote.status).toBe(403);
  });
});
