/**
 * The roles this service gives (contract §9): a built-in role's name or a custom role's key of the
 * organization. Whether the caller may give it is the §2 helpers' business (`@tenantry/security`);
 * here only: does it exist, and the answer when it vanished before the write.
 */
import { ConflictError, ValidationFailedError } from '@tenantry/errors';
import { type OrganizationSecurityContext, resolveRole } from '@tenantry/security';

/**
 * A role the organization does not have (a custom key it never defined, or one deleted before this
 * request read the organization) is a bad request: 400 on `/role`.
 */
export function assertRoleExists(context: OrganizationSecurityContext, role: string): void {
  if (!resolveRole(role, context.organization.roles)) {
    throw new ValidationFailedError([{ field: '/role', message: `The organization has no role ${role}` }]);
  }
}

/**
 * The role whose holders go down when a member leaves it: the role itself while the organization has
 * it, undefined when it is gone (its holders can no longer be counted, and must not block the change).
 */
export function countedRole(context: OrganizationSecurityContext, role: string): string | undefined {
  return resolveRole(role, context.organization.roles) ? role : undefined;
}

/** The custom role existed when the request read the organization but was deleted before its write: 409. */
export const roleGone = () => new ConflictError('The role was deleted meanwhile; choose another role');
