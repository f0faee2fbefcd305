/**
 * Use cases of invitations, on the organization side (create, list, revoke, resend) and the
 * invitee's (list mine, accept, decline). Plain functions `(deps, context, input)`: role decisions go
 * through the §2 helpers of `@tenantry/security`; writes are pinned to the organization of the
 * verified context or, for an invitee responding, of the invitation read back from storage; seats
 * follow the plan (`planLimits`), lapsed invitations free theirs before a limit refuses anyone; every
 * state change hands its §7 event to the same write (the transactional outbox).
 */
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  OrganizationSuspendedError,
  PlanLimitReachedError,
} from '@tenantry/errors';
import {
  type Actor,
  type CreateInvitationRequest,
  type Invitation,
  type InvitationStatus,
  type Membership,
  type MembershipRecord,
  type Plan,
  planLimits,
} from '@tenantry/models';
import {
  actorOf,
  canAssignRole,
  type OrganizationSecurityContext,
  type TenantScope,
  type UserSecurityContext,
} from '@tenantry/security';
import { expiryFrom, type InvitationRecord, isLapsed, normalizeEmail, toInvitation, toMembership } from './model';
import { summariesOf } from './organizations';
import type { Dependencies, Page, PageQuery } from './ports';
import { assertRoleExists, roleGone } from './roles';

/** The plan's member limit (ACTIVE members + PENDING invitations). */
function memberLimit(plan: string): number {
  const limits = Object.hasOwn(planLimits, plan) ? planLimits[plan as Plan] : undefined;
  if (!limits) throw new InternalError(undefined, { cause: new Error(`unknown plan ${plan}`) });
  return limits.members;
}

const scopeOf = (organizationId: string): TenantScope => ({ organizationId });
const changedConcurrently = () => new ConflictError('The invitation was changed concurrently; retry the request');
const notPending = (status: InvitationStatus) => new ConflictError(`The invitation is ${status}`);
const emailTaken = () => new ConflictError('This email is already a member or has a pending invitation');

/** Records `plan.limit_reached` in the outbox and refuses with 403 PLAN_LIMIT_REACHED. */
async function limitReached(
  deps: Dependencies,
  organizationId: string,
  actor: Actor,
  plan: string,
  limit: number,
  attempted: string,
): Promise<never> {
  await deps.events.record([
    { type: 'plan.limit_reached', organizationId, actor, data: { resource: 'members', plan, limit, attempted } },
  ]);
  throw new PlanLimitReachedError(`The ${plan} plan allows ${limit} members and pending invitations`);
}

/** Expires (seat freed) every lapsed PENDING invitation of the organization; returns how many. */
async function expireLapsed(deps: Dependencies, scope: TenantScope, now: Date): Promise<number> {
  let freed = 0;
  for (const invitation of await deps.invitations.listLapsed(scope.organizationId, now)) {
    if ((await deps.invitations.release(scope, invitation, 'EXPIRED', now)) === 'ok') freed++;
  }
  return freed;
}

/**
 * Runs a seat-taking write; when the limit refuses it, or the email's claim is held (by an invitation
 * that may have lapsed), frees lapsed seats and claims once and tries again.
 */
async function withSeat<R extends string>(
  deps: Dependencies,
  scope: TenantScope,
  now: Date,
  write: () => Promise<R>,
): Promise<R> {
  const outcome = await write();
  if (outcome !== 'limit' && outcome !== 'taken') return outcome;
  return (await expireLapsed(deps, scope, now)) > 0 ? write() : outcome;
}

function verifiedEmail(context: UserSecurityContext): string {
  const { email, emailVerified } = context.principal;
  if (!email || !emailVerified) throw new ForbiddenError('A verified email address is required');
  return normalizeEmail(email);
}

/**
 * The invitation `invitationId` as its invitee sees it: 404 unless it exists, its organization is
 * not DELETED and it is addressed to the caller's email (whether verified or not: nothing about
 * other people's invitations leaks); 403 when that email is not verified.
 */
async function inviteeInvitation(deps: Dependencies, context: UserSecurityContext, invitationId: string) {
  const found = await deps.invitations.find(invitationId);
  const email = context.principal.email ? normalizeEmail(context.principal.email) : undefined;
  if (!found?.organization || found.organization.status === 'DELETED' || found.invitation.email !== email) {
    throw new NotFoundError();
  }
  verifiedEmail(context);
  return { invitation: found.invitation, organization: found.organization };
}

/** A lapsed PENDING invitation is expired in storage (seat freed) and refused. */
async function refuseLapsed(deps: Dependencies, invitation: InvitationRecord, now: Date): Promise<never> {
  await deps.invitations.release(scopeOf(invitation.organizationId), invitation, 'EXPIRED', now);
  throw new ConflictError('The invitation has expired');
}

/** The invitation of this organization that the caller may manage (an invitation to a role below their own). */
async function managedInvitation(deps: Dependencies, context: OrganizationSecurityContext, invitationId: string) {
  const invitation = await deps.invitations.get(context.organizationId, invitationId);
  if (!invitation) throw new NotFoundError();
  if (!canAssignRole(context, invitation.role)) {
    throw new ForbiddenError('You may only manage invitations to roles below your own');
  }
  return invitation;
}

// ------------------------------------------------------------------------------------------------
// Organization side

export async function createInvitation(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: CreateInvitationRequest,
): Promise<Invitation> {
  assertRoleExists(context, body.role);
  if (!canAssignRole(context, body.role)) throw new ForbiddenError('You may only invite roles below your own');
  const now = deps.now();
  const email = normalizeEmail(body.email);
  const invitation: InvitationRecord = {
    id: deps.newId('inv', { at: now }),
    organizationId: context.organizationId,
    email,
    role: body.role,
    status: 'PENDING',
    invitedBy: actorOf(context).id,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: expiryFrom(now),
  };
  const { plan, name } = context.organization;
  const limit = memberLimit(plan);
  const created = {
    type: 'invitation.created' as const,
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: {
      invitationId: invitation.id,
      email,
      role: invitation.role,
      invitedBy: invitation.invitedBy,
      expiresAt: invitation.expiresAt,
      organizationName: name,
    },
  };
  const outcome = await withSeat(deps, context, now, () =>
    deps.invitations.create(context, invitation, limit, created),
  );
  if (outcome === 'role-gone') throw roleGone();
  if (outcome === 'taken') throw emailTaken();
  if (outcome === 'limit') {
    return limitReached(deps, context.organizationId, actorOf(context), plan, limit, 'invitation.create');
  }
  return toInvitation(invitation, now, name);
}

export async function listInvitations(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  query: PageQuery & { status?: InvitationStatus | undefined },
): Promise<Page<Invitation>> {
  const now = deps.now();
  const page = await deps.invitations.list(context.organizationId, query, now);
  return { items: page.items.map((item) => toInvitation(item, now)), nextCursor: page.nextCursor };
}

export async function revokeInvitation(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  invitationId: string,
): Promise<Invitation> {
  const now = deps.now();
  const invitation = await managedInvitation(deps, context, invitationId);
  if (invitation.status === 'REVOKED') return toInvitation(invitation, now);
  if (isLapsed(invitation, now)) return refuseLapsed(deps, invitation, now);
  if (invitation.status !== 'PENDING') throw notPending(invitation.status);
  const revoked = await deps.invitations.release(context, invitation, 'REVOKED', now, {
    event: {
      type: 'invitation.revoked',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { invitationId, email: invitation.email, role: invitation.role },
    },
  });
  if (revoked === 'changed') throw changedConcurrently();
  return toInvitation({ ...invitation, status: 'REVOKED', updatedAt: now.toISOString() }, now);
}

export async function resendInvitation(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  invitationId: string,
): Promise<Invitation> {
  const now = deps.now();
  const invitation = await managedInvitation(deps, context, invitationId);
  const expiresAt = expiryFrom(now);
  const renewed: InvitationRecord = { ...invitation, status: 'PENDING', expiresAt, updatedAt: now.toISOString() };
  const { plan, name } = context.organization;
  if (invitation.status === 'PENDING') {
    // Lapsed or not, a stored PENDING invitation still holds its seat: renewing keeps it.
    if ((await deps.invitations.renew(context, invitation, expiresAt, now)) === 'changed') throw changedConcurrently();
    return toInvitation(renewed, now, name);
  }
  if (invitation.status !== 'EXPIRED') throw notPending(invitation.status);
  const limit = memberLimit(plan);
  const outcome = await withSeat(deps, context, now, () =>
    deps.invitations.revive(context, invitation, expiresAt, now, limit),
  );
  if (outcome === 'changed') throw changedConcurrently();
  if (outcome === 'role-gone') throw roleGone();
  if (outcome === 'taken') throw emailTaken();
  if (outcome === 'limit') {
    return limitReached(deps, context.organizationId, actorOf(context), plan, limit, 'invitation.resend');
  }
  return toInvitation(renewed, now, name);
}

// ------------------------------------------------------------------------------------------------
// Invitee side

export async function listMyInvitations(
  deps: Dependencies,
  context: UserSecurityContext,
  page: PageQuery,
): Promise<Page<Invitation>> {
  const email = verifiedEmail(context);
  const now = deps.now();
  const invitations = await deps.invitations.listOfInvitee(email, page, now);
  const organizations = await summariesOf(deps, invitations.items);
  const items: Invitation[] = [];
  for (const invitation of invitations.items) {
    const organization = organizations.get(invitation.organizationId);
    if (!organization || organization.status === 'DELETED') continue;
    items.push(toInvitation(invitation, now, organization.name));
  }
  return { items, nextCursor: invitations.nextCursor };
}

export async function acceptInvitation(
  deps: Dependencies,
  context: UserSecurityContext,
  invitationId: string,
): Promise<Membership> {
  const now = deps.now();
  const userId = context.principal.id;
  const { invitation, organization } = await inviteeInvitation(deps, context, invitationId);
  const existing = async () => {
    const membership = await deps.members.get(invitation.organizationId, userId);
    if (!membership) throw new ConflictError('The invitation was already accepted');
    return toMembership(membership);
  };
  if (invitation.status === 'ACCEPTED' && invitation.respondedBy === userId) return existing();
  if (isLapsed(invitation, now)) return refuseLapsed(deps, invitation, now);
  if (invitation.status !== 'PENDING') throw notPending(invitation.status);
  if (organization.status !== 'ACTIVE') throw new OrganizationSuspendedError();

  const membership: MembershipRecord = {
    organizationId: invitation.organizationId,
    userId,
    email: invitation.email,
    role: invitation.role,
    status: 'ACTIVE',
    joinedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const limit = memberLimit(organization.plan);
  const actor: Actor = { kind: 'user', id: userId };
  const outcome = await deps.invitations.accept(
    scopeOf(invitation.organizationId),
    invitation,
    membership,
    limit,
    now,
    {
      type: 'invitation.accepted',
      organizationId: invitation.organizationId,
      actor,
      data: { invitationId, userId, email: invitation.email, role: invitation.role, invitedBy: invitation.invitedBy },
    },
  );
  if (outcome === 'limit') {
    return limitReached(deps, invitation.organizationId, actor, organization.plan, limit, 'invitation.accept');
  }
  if (outcome === 'exists') throw new ConflictError('You are already a member of this organization');
  if (outcome === 'role-gone') throw roleGone();
  if (outcome === 'changed') {
    // A concurrent accept of the same invitation by the same user won: answer like it did.
    const again = await deps.invitations.find(invitationId);
    if (again?.invitation.status === 'ACCEPTED' && again.invitation.respondedBy === userId) return existing();
    throw new ConflictError('The invitation was changed concurrently');
  }
  return toMembership(membership);
}

export async function declineInvitation(
  deps: Dependencies,
  context: UserSecurityContext,
  invitationId: string,
): Promise<Invitation> {
  const now = deps.now();
  const userId = context.principal.id;
  const { invitation, organization } = await inviteeInvitation(deps, context, invitationId);
  if (invitation.status === 'DECLINED' && invitation.respondedBy === userId) {
    return toInvitation(invitation, now, organization.name);
  }
  if (isLapsed(invitation, now)) return refuseLapsed(deps, invitation, now);
  if (invitation.status !== 'PENDING') throw notPending(invitation.status);
  const scope = scopeOf(invitation.organizationId);
  const declined = await deps.invitations.release(scope, invitation, 'DECLINED', now, {
    respondedBy: userId,
    event: {
      type: 'invitation.declined',
      organizationId: invitation.organizationId,
      actor: { kind: 'user', id: userId },
      data: { invitationId, userId, email: invitation.email, role: invitation.role },
    },
  });
  if (declined === 'changed') throw new ConflictError('The invitation was changed concurrently');
  return toInvitation(
    { ...invitation, status: 'DECLINED', respondedBy: userId, updatedAt: now.toISOString() },
    now,
    organization.name,
  );
}
