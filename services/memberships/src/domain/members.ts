/**
 * Use cases of memberships: who belongs to an organization, role changes, removal, leaving. Plain
 * functions `(deps, context, input)`: every role decision goes through the §2 helpers of
 * `@tenantry/security`, every write is pinned to the organization of the verified context, and every
 * state change hands its §7 event to the same write (the transactional outbox).
 */
import { ConflictError, ForbiddenError, NotFoundError } from '@tenantry/errors';
import type { Membership, MyAccess, MyOrganization } from '@tenantry/models';
import {
  actorOf,
  canChangeMemberRole,
  canLeave,
  canManageMember,
  isOrganizationRole,
  type OrganizationSecurityContext,
  resolveRole,
  type UserSecurityContext,
} from '@tenantry/security';
import { toMembership } from './model';
import { summariesOf } from './organizations';
import type { Dependencies, Page, PageQuery } from './ports';
import { assertRoleExists, countedRole, roleGone } from './roles';

const changedConcurrently = () => new ConflictError('The membership was changed concurrently; retry the request');

/** `GET /me/organizations`: my organizations with my role (DELETED ones left out). */
export async function listMyOrganizations(
  deps: Dependencies,
  context: UserSecurityContext,
  page: PageQuery,
): Promise<Page<MyOrganization>> {
  const memberships = await deps.members.listOfUser(context.principal.id, page);
  const organizations = await summariesOf(deps, memberships.items);
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
}

export async function listMembers(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  page: PageQuery,
): Promise<Page<Membership>> {
  const members = await deps.members.list(context.organizationId, page);
  return { items: members.items.map(toMembership), nextCursor: members.nextCursor };
}

export async function updateMember(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  input: { userId: string; role: string },
): Promise<Membership> {
  const { userId, role } = input;
  assertRoleExists(context, role);
  const target = await deps.members.get(context.organizationId, userId);
  if (!target) throw new NotFoundError();
  if (!canChangeMemberRole(context, target.role, role)) {
    throw new ForbiddenError('You may only change members below your role, to a role below your own');
  }
  if (target.role === role) return toMembership(target);
  const roles = { from: target.role, to: role, countedFrom: countedRole(context, target.role) };
  const updated = await deps.members.changeRole(context, userId, roles, deps.now(), {
    type: 'member.role_changed',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: { userId, previousRole: target.role, role },
  });
  if (updated === 'changed') throw changedConcurrently();
  if (updated === 'role-gone') throw roleGone();
  return toMembership(updated);
}

export async function removeMember(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  userId: string,
): Promise<void> {
  const target = await deps.members.get(context.organizationId, userId);
  if (!target) throw new NotFoundError();
  if (!canManageMember(context, target.role)) throw new ForbiddenError('You may only remove members below your role');
  const member = { ...target, counted: countedRole(context, target.role) };
  const removed = await deps.members.remove(context, member, {
    type: 'member.removed',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: { userId, role: target.role, ...(target.email ? { email: target.email } : {}) },
  });
  if (removed === 'changed') throw changedConcurrently();
}

export async function leaveOrganization(deps: Dependencies, context: OrganizationSecurityContext): Promise<void> {
  const { membership } = context;
  const role = membership?.role;
  if (!membership || !role) throw new NotFoundError();
  if (!canLeave(context)) throw new ForbiddenError('The OWNER cannot leave; transfer ownership first');
  const member = { ...membership, role, counted: countedRole(context, role) };
  const left = await deps.members.remove(context, member, {
    type: 'member.left',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: { userId: membership.userId, role },
  });
  if (left === 'changed') throw changedConcurrently();
}

/**
 * `GET /organizations/{orgId}/me`: the caller's role there and what it lets them do (contract §3,
 * §9), read with the organization's custom roles as they are now. Not an ACTIVE member (platform
 * staff included), or the organization is DELETED: 404. A custom role deleted since it was given
 * still shows, holding nothing (contract §9: it grants nothing).
 */
export async function getMyAccess(
  deps: Dependencies,
  context: UserSecurityContext,
  organizationId: string,
): Promise<MyAccess> {
  const { organization, membership } = await deps.organizations.access(organizationId, context.principal.id);
  if (!organization || organization.status === 'DELETED' || !membership) throw new NotFoundError();
  const role = resolveRole(membership.role, organization.roles);
  return {
    organizationId,
    role: membership.role,
    ...(role ? { baseRole: role.baseRole } : {}),
    permissions: role ? [...role.permissions] : [],
    builtIn: isOrganizationRole(membership.role),
  };
}
