import type { OrganizationSecurityContext } from './context';
import {
  builtInRole,
  isKeyScope,
  isOrganizationRole,
  isRoleBelow,
  mayAssign,
  mayLeave,
  type Permission,
  permissions,
  permissionsOfRole,
  type RoleDescription,
  resolveRole,
} from './permissions';

/**
 * The §2 rules applied to a security context, so that services never compare roles themselves.
 * A member acts with their role: its rank (a custom role's base role) and its permissions
 * (contract §9). Platform staff who passed layer 3 through a platform group (e.g. platform OWNER
 * on `members:manage`) act above every role but OWNER: they may manage anyone but the
 * organization's OWNER and assign anything but OWNER (ownership changes only through transfer).
 *
 * A role is given by key (a built-in name, or a custom role of the context's organization, whose
 * `roles` layer 2 already read) or as a description `{ key, baseRole, permissions }`.
 */
function platformActsAsAdministrator(context: OrganizationSecurityContext): boolean {
  if (context.principal.kind !== 'user') return false;
  const rule = permissions['members:manage'];
  return context.platformGroups.some((group) => rule.platform.includes(group));
}

/** The caller's own role, when they are a member whose role exists. */
function callerRole(context: OrganizationSecurityContext): RoleDescription | undefined {
  const { role, baseRole } = context;
  return role === undefined || baseRole === undefined
    ? undefined
    : { key: role, baseRole, permissions: context.permissions };
}

function described(context: OrganizationSecurityContext, role: string | RoleDescription): RoleDescription | undefined {
  return typeof role === 'string' ? resolveRole(role, context.organization.roles) : role;
}

/**
 * May the caller assign or invite `role`? Its rank strictly below the caller's AND its permissions
 * all held by the caller (contract §2, §9). A role that does not exist may not be assigned.
 */
export function canAssignRole(context: OrganizationSecurityContext, role: string | RoleDescription): boolean {
  const assigned = described(context, role);
  if (!assigned) return false;
  if (context.principal.kind === 'application') return keyMayAssign(context.principal.scopes, assigned);
  const caller = callerRole(context);
  if (caller && mayAssign(caller, assigned)) return true;
  return platformActsAsAdministrator(context) && assigned.baseRole !== 'OWNER';
}

const VIEWER_PERMISSIONS = permissionsOfRole('VIEWER');

/**
 * An API key has no rank (contract §6): it may give only a role below ADMIN whose permissions are
 * all among its scopes, apart from what every VIEWER holds and no key can (leaving, reading the
 * roles), so a key never hands out more than it holds itself.
 */
function keyMayAssign(scopes: readonly string[], role: RoleDescription): boolean {
  const assigned = isOrganizationRole(role.key) ? builtInRole(role.key) : role;
  const given = (permission: Permission) =>
    scopes.includes(permission) || (!isKeyScope(permission) && VIEWER_PERMISSIONS.includes(permission));
  return isRoleBelow(assigned.baseRole, 'ADMIN') && assigned.permissions.every(given);
}

/**
 * May the caller change or remove a member whose current role is `target`? Its rank strictly below
 * the caller's. A role that no longer exists has no rank: any member with a role, or platform staff
 * acting as administrator, may manage its holder (who can do nothing in the organization).
 */
export function canManageMember(context: OrganizationSecurityContext, target: string | RoleDescription): boolean {
  const managed = described(context, target);
  const caller = callerRole(context);
  if (caller && (!managed || isRoleBelow(managed.baseRole, caller.baseRole))) return true;
  return platformActsAsAdministrator(context) && managed?.baseRole !== 'OWNER';
}

/** May the caller change the role of a `target` member to `newRole`? */
export function canChangeMemberRole(
  context: OrganizationSecurityContext,
  target: string | RoleDescription,
  newRole: string | RoleDescription,
): boolean {
  return canManageMember(context, target) && canAssignRole(context, newRole);
}

/** May the caller leave the organization? (Any member but the OWNER, who must transfer first.) */
export function canLeave(context: OrganizationSecurityContext): boolean {
  return context.role !== undefined && mayLeave(context.role);
}
