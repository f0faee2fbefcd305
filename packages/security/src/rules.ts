import type { OrganizationSecurityContext } from './context';
import { mayAssignRole, mayLeave, mayManageMember, type OrganizationRole, permissions } from './permissions';

/**
 * The §2 rules applied to a security context, so that services never compare roles themselves.
 * A member acts with their role; platform staff who passed layer 3 through a platform group (e.g.
 * platform OWNER on `members:manage`) act above every role but OWNER: they may manage anyone but the
 * organization's OWNER and assign anything but OWNER (ownership changes only through transfer).
 */
function platformActsAsAdministrator(context: OrganizationSecurityContext): boolean {
  if (context.principal.kind !== 'user') return false;
  const rule = permissions['members:manage'];
  return context.platformGroups.some((group) => rule.platform.includes(group));
}

/** May the caller assign or invite `role`? */
export function canAssignRole(context: OrganizationSecurityContext, role: OrganizationRole): boolean {
  if (context.role && mayAssignRole(context.role, role)) return true;
  return platformActsAsAdministrator(context) && role !== 'OWNER';
}

/** May the caller change or remove a member whose current role is `target`? */
export function canManageMember(context: OrganizationSecurityContext, target: OrganizationRole): boolean {
  if (context.role && mayManageMember(context.role, target)) return true;
  return platformActsAsAdministrator(context) && target !== 'OWNER';
}

/** May the caller change the role of a `target` member to `newRole`? */
export function canChangeMemberRole(
  context: OrganizationSecurityContext,
  target: OrganizationRole,
  newRole: OrganizationRole,
): boolean {
  return canManageMember(context, target) && canAssignRole(context, newRole);
}

/** May the caller leave the organization? (Anyone but the OWNER, who must transfer first.) */
export function canLeave(context: OrganizationSecurityContext): boolean {
  return context.role !== undefined && mayLeave(context.role);
}
