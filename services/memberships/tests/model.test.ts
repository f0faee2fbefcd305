// Model-based test (fast-check): random sequences of invite / accept / role change / remove /
// leave / transfer-ownership by random actors against one organization, each answer compared with
// a model of contract §2 and §4, and after every step: exactly one OWNER (the organization's ownerId),
// the stored roles equal the model's, every member was admitted through an invitation issued by
// someone allowed to, and the usage counters equal the real counts.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { organizationKey, organizationPk } from '@tenantry/dynamo';
import { call, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { OrganizationRole } from '@tenantry/models';
import fc from 'fast-check';
import { countersMatch, createOrganization, db, membershipsTable, organizationsTable } from './support/fixtures';

const ROLES: OrganizationRole[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
const RANK: Record<OrganizationRole, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };
const LIMIT = 5; // STARTER
const USERS = 5;

/**
 * A person chosen when the action runs: `pick` indexes into a group of users taken from the model
 * at that moment (mostly members, or mostly invitees for accept), so sequences reach deep states
 * instead of being refused at the door; `any` indexes into every user.
 */
interface Who {
  from: 'members' | 'invitees' | 'nonMembers' | 'any';
  pick: number;
}

type Action =
  | { kind: 'invite'; actor: Who; target: Who; role: OrganizationRole }
  | { kind: 'accept'; actor: Who }
  | { kind: 'changeRole'; actor: Who; target: Who; role: OrganizationRole }
  | { kind: 'remove'; actor: Who; target: Who }
  | { kind: 'leave'; actor: Who }
  | { kind: 'transfer'; actor: Who; target: Who };

const who = (usual: Who['from']): fc.Arbitrary<Who> =>
  fc.record({
    from: fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constant('any' as const) }),
    pick: fc.nat({ max: 1000 }),
  });
const role = fc.constantFrom(...ROLES);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('invite' as const),
      actor: who('members'),
      target: who('nonMembers'),
      role,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), actor: who('invitees') }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('changeRole' as const),
      actor: who('members'),
      target: who('members'),
      role,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), actor: who('members'), target: who('members') }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), actor: who('members') }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), actor: who('members'), target: who('members') }),
  },
);

interface Model {
  roles: Map<string, OrganizationRole>;
  /** PENDING invitations: id → invitee email, role, and the inviter's role when it was issued. */
  pending: Map<string, { email: string; role: OrganizationRole; inviterRole: OrganizationRole }>;
  /** How each member got in: the role of whoever invited them, at that moment. */
  admittedBy: Map<string, { inviterRole: OrganizationRole; role: OrganizationRole }>;
  owner: string;
}

let users: TestUser[];
/** How often each action got each answer, over all runs: shows what the random sequences covered. */
const tally = new Map<string, number>();

beforeAll(async () => {
  users = await Promise.all(Array.from({ length: USERS }, () => testUser()));
}, 60_000);

function resolve(model: Model, whom: Who): TestUser {
  const group =
    whom.from === 'members'
      ? users.filter((u) => model.roles.has(u.userId))
      : whom.from === 'nonMembers'
        ? users.filter((u) => !model.roles.has(u.userId))
        : whom.from === 'invitees'
          ? users.filter((u) => [...model.pending.values()].some((p) => p.email === u.email))
          : users;
  const from = group.length > 0 ? group : users;
  return from[whom.pick % from.length]!;
}

/** Runs one action over HTTP; returns the expected and the actual status, and updates the model. */
async function step(orgId: string, model: Model, act: Action): Promise<{ expected: number | 'any'; actual: number }> {
  const actor = resolve(model, act.actor);
  const actorRole = model.roles.get(actor.userId);
  const base = `/organizations/${orgId}`;
  switch (act.kind) {
    case 'invite': {
      const invitee = resolve(model, act.target);
      let expected = 201;
      if (!actorRole) expected = 404;
      else if (RANK[actorRole] < RANK.ADMIN || RANK[act.role] >= RANK[actorRole]) expected = 403;
      // One PENDING invitation or ACTIVE membership per email (the OWNER's included).
      else if ([...model.pending.values()].some((p) => p.email === invitee.email) || model.roles.has(invitee.userId)) {
        expected = 409;
      } else if (model.roles.size + model.pending.size >= LIMIT) expected = 403;
      const reply = await call(actor.token, 'POST', `${base}/invitations`, { email: invitee.email, role: act.role });
      if (reply.status === 201 && actorRole) {
        model.pending.set(reply.body.id, { email: invitee.email, role: act.role, inviterRole: actorRole });
      }
      return { expected, actual: reply.status };
    }
    case 'accept': {
      const entry = [...model.pending.entries()].find(([, p]) => p.email === actor.email);
      if (!entry) {
        const reply = await call(actor.token, 'POST', '/me/invitations/inv_none/accept');
        return { expected: 404, actual: reply.status };
      }
      const [id, invitation] = entry;
      let expected = 200;
      if (actorRole) expected = 409;
      else if (model.roles.size >= LIMIT) expected = 403;
      const reply = await call(actor.token, 'POST', `/me/invitations/${id}/accept`);
      if (reply.status === 200) {
        model.pending.delete(id);
        model.roles.set(actor.userId, invitation.role);
        model.admittedBy.set(actor.userId, { inviterRole: invitation.inviterRole, role: invitation.role });
      }
      return { expected, actual: reply.status };
    }
    case 'changeRole': {
      const target = resolve(model, act.target);
      const targetRole = model.roles.get(target.userId);
      let expected = 200;
      if (!actorRole) expected = 404;
      else if (RANK[actorRole] < RANK.ADMIN) expected = 403;
      else if (!targetRole) expected = 404;
      else if (!(RANK[targetRole] < RANK[actorRole] && RANK[act.role] < RANK[actorRole])) expected = 403;
      const reply = await call(actor.token, 'PATCH', `${base}/members/${target.userId}`, { role: act.role });
      if (reply.status === 200) model.roles.set(target.userId, act.role);
      return { expected, actual: reply.status };
    }
    case 'remove': {
      const target = resolve(model, act.target);
      const targetRole = model.roles.get(target.userId);
      let expected = 204;
      if (!actorRole) expected = 404;
      else if (RANK[actorRole] < RANK.ADMIN) expected = 403;
      else if (!targetRole) expected = 404;
      else if (!(RANK[targetRole] < RANK[actorRole])) expected = 403;
      const reply = await call(actor.token, 'DELETE', `${base}/members/${target.userId}`);
      if (reply.status === 204) {
        model.roles.delete(target.userId);
        model.admittedBy.delete(target.userId);
      }
      return { expected, actual: reply.status };
    }
    case 'leave': {
      let expected = 204;
      if (!actorRole) expected = 404;
      else if (actorRole === 'OWNER') expected = 403;
      const reply = await call(actor.token, 'POST', `${base}/leave`);
      if (reply.status === 204) {
        model.roles.delete(actor.userId);
        model.admittedBy.delete(actor.userId);
      }
      return { expected, actual: reply.status };
    }
    case 'transfer': {
      // The organizations service's route: only its success changes the model; the exact refusal
      // codes are that service's contract, so only "allowed → 200, refused → not 200" is checked.
      const target = resolve(model, act.target);
      const allowed = actorRole === 'OWNER' && target.userId !== actor.userId && model.roles.has(target.userId);
      const reply = await call(actor.token, 'POST', `${base}/transfer-ownership`, { userId: target.userId });
      if (reply.status === 200) {
        model.roles.set(actor.userId, 'ADMIN');
        model.roles.set(target.userId, 'OWNER');
        model.owner = target.userId;
      }
      return { expected: allowed ? 200 : 'any', actual: allowed || reply.status !== 200 ? reply.status : -1 };
    }
  }
}

async function checkInvariants(orgId: string, model: Model) {
  const stored = await db().send(
    new QueryCommand({
      TableName: membershipsTable(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': organizationPk(orgId) },
      ConsistentRead: true,
    }),
  );
  const items = stored.Items ?? [];
  const members = items.filter((item) => item.entity === 'Membership' && item.status === 'ACTIVE');
  const owners = members.filter((item) => item.role === 'OWNER');
  expect(owners.map((item) => item.userId)).toEqual([model.owner]);
  const org = await db().send(
    new GetCommand({ TableName: organizationsTable(), Key: organizationKey(orgId), ConsistentRead: true }),
  );
  expect(org.Item?.ownerId).toBe(model.owner);
  expect(Object.fromEntries(members.map((item) => [item.userId, item.role]))).toEqual(Object.fromEntries(model.roles));
  const pending = items.filter((item) => item.entity === 'Invitation' && item.status === 'PENDING');
  expect(new Set(pending.map((item) => item.id))).toEqual(new Set(model.pending.keys()));
  // Every member but the founder came in through an invitation they accepted, issued by someone
  // whose role was above the role it granted.
  const invitations = new Map(items.filter((item) => item.entity === 'Invitation').map((item) => [item.id, item]));
  for (const member of members) {
    const admission = model.admittedBy.get(member.userId as string);
    if (!admission) continue; // the founding OWNER
    expect(RANK[admission.role]).toBeLessThan(RANK[admission.inviterRole]);
    const invitation = invitations.get(member.invitationId);
    expect(invitation).toMatchObject({ status: 'ACCEPTED', respondedBy: member.userId, role: admission.role });
  }
  const counters = await countersMatch(orgId);
  expect(counters.seats).toBe(counters.expectedSeats);
  expect(counters.activeMembers).toBe(counters.expectedActiveMembers);
  expect(counters.seats).toBeLessThanOrEqual(LIMIT);
}

describe('memberships model', () => {
  it('keeps one OWNER, admits only through allowed invitations, and keeps the counters exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 8, maxLength: 12 }), async (actions) => {
        const founder = users[0]!;
        const org = await createOrganization({ owner: founder });
        const model: Model = {
          roles: new Map([[founder.userId, 'OWNER']]),
          pending: new Map(),
          admittedBy: new Map(),
          owner: founder.userId,
        };
        for (const act of actions) {
          const { expected, actual } = await step(org.id, model, act);
          const key = `${act.kind} ${actual}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
          if (expected !== 'any') expect({ act, actual }).toEqual({ act, actual: expected });
          await checkInvariants(org.id, model);
        }
      }),
      { numRuns: 20 },
    );
    console.info('model coverage (action status: count)', Object.fromEntries([...tally].sort()));
    // The sequences reached the interesting states, not only refusals.
    expect(tally.get('invite 201')).toBeGreaterThan(0);
    expect(tally.get('accept 200')).toBeGreaterThan(0);
  }, 120_000);
});
