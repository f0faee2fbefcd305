/**
 * The use cases of the memberships service. Every decision about roles goes through the §2 helpers
 * of `@tenantry/security`; every write is pinned to the organization of the verified context (or,
 * for an invitee responding, of the invitation read back from storage); every state change
 * publishes its §7 event after the write succeeded.
 */
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  OrganizationSuspendedError,
  PlanLimitReachedError,
} from '@tenantry/errors';
import type { EventPublisher, NewDomainEvent } from '@tenantry/events';
import {
  type Actor,
  type CreateInvitationRequest,
  type Invitation,
  type InvitationStatus,
  type Membership,
  type MyOrganization,
  type Plan,
  planLimits,
  type UpdateMemberRequest,
} from '@tenantry/models';
import {
  canAssignRole,
  canChangeMemberRole,
  canLeave,
  canManageMember,
  type OrganizationSecurityContext,
  type TenantScope,
  type UserSecurityContext,
} from '@tenantry/security';
import {
  expiryFrom,
  type InvitationRecord,
  isLapsed,
  type MembershipRecordView,
  newInvitationId,
  normalizeEmail,
  type OrganizationSummary,
  toInvitation,
  toMembership,
} from './model';
import type { Clock, MembershipsRepository, Page, PageQuery } from './ports';

export interface Dependencies {
  repository: MembershipsRepository;
  publisher: EventPublisher;
  clock?: Clock;
}

function actorOf(context: OrganizationSecurityContext | UserSecurityContext): Actor {
  return { kind: context.access === 'platform' ? 'platform' : 'user', id: context.principal.id };
}

/** The plan's member limit (ACTIVE members + PENDING invitations). */
export function memberLimit(plan: string): number {
  const limits = Object.hasOwn(planLimits, plan) ? planLimits[plan as Plan] : undefined;
  if (!limits) throw new InternalError(undefined, { cause: new Error(`unknown plan ${plan}`) });
  return limits.members;
}

const scopeOf = (organizationId: string): TenantScope => ({ organizationId });

export function membershipsService({ repository, publisher, clock = { now: () => new Date() } }: Dependencies) {
  const publish = (...events: NewDomainEvent[]) => publisher.publish(events);

  async function limitReached(
    organizationId: string,
    actor: Actor,
    plan: string,
    limit: number,
    attempted: string,
  ): Promise<never> {
    await publish({
      type: 'plan.limit_reached',
      organizationId,
      actor,
      data: { resource: 'members', plan, limit, attempted },
    });
    throw new PlanLimitReachedError(`The ${plan} plan allows ${limit} members and pending invitations`);
  }

  /** Expires (seat freed) every lapsed PENDING invitation of the organization; returns how many. */
  async function expireLapsed(scope: TenantScope, now: Date): Promise<number> {
    let freed = 0;
    for (const invitation of await repository.listLapsedInvitations(scope.organizationId, now)) {
      if ((await repository.releaseInvitation(scope, invitation, 'EXPIRED', now)) === 'ok') freed++;
    }
    return freed;
  }

  /** Runs a seat-taking write; when the limit refuses it, frees lapsed seats once and tries again. */
  async function withSeat<R extends string>(scope: TenantScope, now: Date, write: () => Promise<R>): Promise<R> {
    const outcome = await write();
    if (outcome !== 'limit') return outcome;
    return (await expireLapsed(scope, now)) > 0 ? write() : outcome;
  }

  async function organizationsById(ids: string[]): Promise<Map<string, OrganizationSummary>> {
    const unique = [...new Set(ids)];
    return unique.length === 0 ? new Map() : repository.getOrganizations(unique);
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
  async function inviteeInvitation(context: UserSecurityContext, invitationId: string) {
    const found = await repository.findInvitation(invitationId);
    const email = context.principal.email ? normalizeEmail(context.principal.email) : undefined;
    if (!found?.organization || found.organization.status === 'DELETED' || found.invitation.email !== email) {
      throw new NotFoundError();
    }
    verifiedEmail(context);
    return { invitation: found.invitation, organization: found.organization };
  }

  /** A lapsed PENDING invitation is expired in storage (seat freed) and refused. */
  async function refuseLapsed(invitation: InvitationRecord, now: Date): Promise<never> {
    await repository.releaseInvitation(scopeOf(invitation.organizationId), invitation, 'EXPIRED', now);
    throw new ConflictError('The invitation has expired');
  }

  const notPending = (status: InvitationStatus) => new ConflictError(`The invitation is ${status}`);

  return {
    // ------------------------------------------------------------------------------------------
    // Memberships

    async listMyOrganizations(context: UserSecurityContext, page: PageQuery): Promise<Page<MyOrganization>> {
      const memberships = await repository.listUserMemberships(context.principal.id, page);
      const organizations = await organizationsById(memberships.items.map((item) => item.organizationId));
      const items: MyOrganization[] = [];
      for (const membership of memberships.items) {
        const organization = organizations.get(membership.organizationId);
        if (!organization || organization.status === 'DELETED') continue;
        items.push({
          organizationId: membership.organizationId,
          name: organization.name,
          ...(organization.slug ? { slug: organization.slug } : {}),
          status: organization.status,
          role: membership.role,
          joinedAt: membership.joinedAt,
        });
      }
      return { items, nextCursor: memberships.nextCursor };
    },

    async listMembers(context: OrganizationSecurityContext, page: PageQuery): Promise<Page<Membership>> {
      const members = await repository.listMembers(context.organizationId, page);
      return { items: members.items.map(toMembership), nextCursor: members.nextCursor };
    },

    async updateMember(
      context: OrganizationSecurityContext,
      userId: string,
      body: UpdateMemberRequest,
    ): Promise<Membership> {
      const target = await repository.getMembership(context.organizationId, userId);
      if (!target) throw new NotFoundError();
      if (!canChangeMemberRole(context, target.role, body.role)) {
        throw new ForbiddenError('You may only change members below your role, to a role below your own');
      }
      if (target.role === body.role) return toMembership(target);
      const updated = await repository.changeRole(
        context,
        context.organizationId,
        userId,
        target.role,
        body.role,
        clock.now(),
      );
      if (updated === 'changed') throw new ConflictError('The membership was changed concurrently; retry the request');
      await publish({
        type: 'member.role_changed',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: { userId, previousRole: target.role, role: body.role },
      });
      return toMembership(updated);
    },

    async removeMember(context: OrganizationSecurityContext, userId: string): Promise<void> {
      const target = await repository.getMembership(context.organizationId, userId);
      if (!target) throw new NotFoundError();
      if (!canManageMember(context, target.role))
        throw new ForbiddenError('You may only remove members below your role');
      const outcome = await repository.deleteMembership(context, context.organizationId, userId, target.role);
      if (outcome === 'changed') throw new ConflictError('The membership was changed concurrently; retry the request');
      await publish({
        type: 'member.removed',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: { userId, role: target.role, ...(target.email ? { email: target.email } : {}) },
      });
    },

    async leaveOrganization(context: OrganizationSecurityContext): Promise<void> {
      const membership = context.membership;
      if (!membership || !context.role) throw new NotFoundError();
      if (!canLeave(context)) throw new ForbiddenError('The OWNER cannot leave; transfer ownership first');
      const outcome = await repository.deleteMembership(
        context,
        context.organizationId,
        membership.userId,
        context.role,
      );
      if (outcome === 'changed') throw new ConflictError('The membership was changed concurrently; retry the request');
      await publish({
        type: 'member.left',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: { userId: membership.userId, role: context.role },
      });
    },

    // ------------------------------------------------------------------------------------------
    // Invitations (organization side)

    async createInvitation(context: OrganizationSecurityContext, body: CreateInvitationRequest): Promise<Invitation> {
      if (!canAssignRole(context, body.role)) throw new ForbiddenError('You may only invite roles below your own');
      const now = clock.now();
      const email = normalizeEmail(body.email);
      if (await repository.hasPendingInvitation(context.organizationId, email, now)) {
        throw new ConflictError('A pending invitation for this email already exists');
      }
      const invitation: InvitationRecord = {
        id: newInvitationId(now),
        organizationId: context.organizationId,
        email,
        role: body.role,
        status: 'PENDING',
        invitedBy: context.principal.id,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        expiresAt: expiryFrom(now),
      };
      const { plan } = context.organization;
      const limit = memberLimit(plan);
      const outcome = await withSeat(context, now, () => repository.createInvitation(context, invitation, limit));
      if (outcome === 'limit')
        return limitReached(context.organizationId, actorOf(context), plan, limit, 'invitation.create');
      await publish({
        type: 'invitation.created',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: {
          invitationId: invitation.id,
          email,
          role: invitation.role,
          invitedBy: invitation.invitedBy,
          expiresAt: invitation.expiresAt,
          organizationName: context.organization.name,
        },
      });
      return toInvitation(invitation, now, context.organization.name);
    },

    async listInvitations(
      context: OrganizationSecurityContext,
      query: PageQuery & { status?: InvitationStatus },
    ): Promise<Page<Invitation>> {
      const now = clock.now();
      const page = await repository.listInvitations(context.organizationId, query, now);
      return { items: page.items.map((item) => toInvitation(item, now)), nextCursor: page.nextCursor };
    },

    async revokeInvitation(context: OrganizationSecurityContext, invitationId: string): Promise<Invitation> {
      const now = clock.now();
      const invitation = await repository.getInvitation(context.organizationId, invitationId);
      if (!invitation) throw new NotFoundError();
      if (!canAssignRole(context, invitation.role)) {
        throw new ForbiddenError('You may only manage invitations to roles below your own');
      }
      if (invitation.status === 'REVOKED') return toInvitation(invitation, now);
      if (isLapsed(invitation, now)) return refuseLapsed(invitation, now);
      if (invitation.status !== 'PENDING') throw notPending(invitation.status);
      if ((await repository.releaseInvitation(context, invitation, 'REVOKED', now)) === 'changed') {
        throw new ConflictError('The invitation was changed concurrently; retry the request');
      }
      await publish({
        type: 'invitation.revoked',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: { invitationId, email: invitation.email, role: invitation.role },
      });
      return toInvitation({ ...invitation, status: 'REVOKED', updatedAt: now.toISOString() }, now);
    },

    async resendInvitation(context: OrganizationSecurityContext, invitationId: string): Promise<Invitation> {
      const now = clock.now();
      const invitation = await repository.getInvitation(context.organizationId, invitationId);
      if (!invitation) throw new NotFoundError();
      if (!canAssignRole(context, invitation.role)) {
        throw new ForbiddenError('You may only manage invitations to roles below your own');
      }
      const expiresAt = expiryFrom(now);
      const renewed: InvitationRecord = { ...invitation, status: 'PENDING', expiresAt, updatedAt: now.toISOString() };
      if (invitation.status === 'PENDING') {
        // Lapsed or not, a stored PENDING invitation still holds its seat: renewing keeps it.
        if ((await repository.renewInvitation(context, invitation, expiresAt, now)) === 'changed') {
          throw new ConflictError('The invitation was changed concurrently; retry the request');
        }
        return toInvitation(renewed, now, context.organization.name);
      }
      if (invitation.status !== 'EXPIRED') throw notPending(invitation.status);
      const { plan } = context.organization;
      const limit = memberLimit(plan);
      const outcome = await withSeat(context, now, () =>
        repository.reviveInvitation(context, invitation, expiresAt, now, limit),
      );
      if (outcome === 'changed') throw new ConflictError('The invitation was changed concurrently; retry the request');
      if (outcome === 'limit')
        return limitReached(context.organizationId, actorOf(context), plan, limit, 'invitation.resend');
      return toInvitation(renewed, now, context.organization.name);
    },

    // ------------------------------------------------------------------------------------------
    // Invitations (invitee side)

    async listMyInvitations(context: UserSecurityContext, page: PageQuery): Promise<Page<Invitation>> {
      const email = verifiedEmail(context);
      const now = clock.now();
      const invitations = await repository.listInviteeInvitations(email, page, now);
      const organizations = await organizationsById(invitations.items.map((item) => item.organizationId));
      const items: Invitation[] = [];
      for (const invitation of invitations.items) {
        const organization = organizations.get(invitation.organizationId);
        if (!organization || organization.status === 'DELETED') continue;
        items.push(toInvitation(invitation, now, organization.name));
      }
      return { items, nextCursor: invitations.nextCursor };
    },

    async acceptInvitation(context: UserSecurityContext, invitationId: string): Promise<Membership> {
      const now = clock.now();
      const userId = context.principal.id;
      const { invitation, organization } = await inviteeInvitation(context, invitationId);
      const existing = async () => {
        const membership = await repository.getMembership(invitation.organizationId, userId);
        if (!membership) throw new ConflictError('The invitation was already accepted');
        return toMembership(membership);
      };
      if (invitation.status === 'ACCEPTED' && invitation.respondedBy === userId) return existing();
      if (isLapsed(invitation, now)) return refuseLapsed(invitation, now);
      if (invitation.status !== 'PENDING') throw notPending(invitation.status);
      if (organization.status !== 'ACTIVE') throw new OrganizationSuspendedError();

      const membership: MembershipRecordView = {
        organizationId: invitation.organizationId,
        userId,
        email: invitation.email,
        role: invitation.role,
        status: 'ACTIVE',
        joinedAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      const limit = memberLimit(organization.plan);
      const scope = scopeOf(invitation.organizationId);
      const outcome = await repository.acceptInvitation(scope, invitation, membership, limit, now);
      const actor: Actor = { kind: 'user', id: userId };
      if (outcome === 'limit') {
        return limitReached(invitation.organizationId, actor, organization.plan, limit, 'invitation.accept');
      }
      if (outcome === 'exists') throw new ConflictError('You are already a member of this organization');
      if (outcome === 'changed') {
        // A concurrent accept of the same invitation by the same user won: answer like it did.
        const again = await repository.findInvitation(invitationId);
        if (again?.invitation.status === 'ACCEPTED' && again.invitation.respondedBy === userId) return existing();
        throw new ConflictError('The invitation was changed concurrently');
      }
      await publish({
        type: 'invitation.accepted',
        organizationId: invitation.organizationId,
        actor,
        data: { invitationId, userId, email: invitation.email, role: invitation.role, invitedBy: invitation.invitedBy },
      });
      return toMembership(membership);
    },

    async declineInvitation(context: UserSecurityContext, invitationId: string): Promise<Invitation> {
      const now = clock.now();
      const userId = context.principal.id;
      const { invitation, organization } = await inviteeInvitation(context, invitationId);
      if (invitation.status === 'DECLINED' && invitation.respondedBy === userId) {
        return toInvitation(invitation, now, organization.name);
      }
      if (isLapsed(invitation, now)) return refuseLapsed(invitation, now);
      if (invitation.status !== 'PENDING') throw notPending(invitation.status);
      const scope = scopeOf(invitation.organizationId);
      if ((await repository.releaseInvitation(scope, invitation, 'DECLINED', now, userId)) === 'changed') {
        throw new ConflictError('The invitation was changed concurrently');
      }
      await publish({
        type: 'invitation.declined',
        organizationId: invitation.organizationId,
        actor: { kind: 'user', id: userId },
        data: { invitationId, userId, email: invitation.email, role: invitation.role },
      });
      return toInvitation(
        { ...invitation, status: 'DECLINED', respondedBy: userId, updatedAt: now.toISOString() },
        now,
        organization.name,
      );
    },
  };
}

export type MembershipsService = ReturnType<typeof membershipsService>;
