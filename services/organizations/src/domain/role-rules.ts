/**
 * Pure rules of custom roles (contract §9): which keys and permissions a custom role may have, the
 * plan's limit, the public views of built-in and custom roles. No I/O.
 */
import { type FieldError, InternalError, ValidationFailedError } from '@tenantry/errors';
import { type OrganizationRole, type Plan, planLimits, type Role } from '@tenantry/models';
import {
  CUSTOM_ROLE_PERMISSIONS,
  isOrganizationRole,
  ORGANIZATION_ROLES,
  OWNER_ONLY_PERMISSIONS,
  type Permission,
  permissionsOfRole,
} from '@tenantry/security';
import type { RoleState } from './model';

const BUILT_IN_NAMES: Record<OrganizationRole, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  MEMBER: 'Member',
  VIEWER: 'Viewer',
};

/** The four built-in roles, strongest first, with the permissions their rank reaches (contract §3). */
export const BUILT_IN_ROLE_VIEWS: readonly Role[] = [...ORGANIZATION_ROLES].reverse().map((role) => ({
  key: role,
  name: BUILT_IN_NAMES[role],
  baseRole: role,
  permissions: [...permissionsOfRole(role)],
  builtIn: true,
}));

export function isBuiltInRole(key: string): key is OrganizationRole {
  return isOrganizationRole(key);
}

export function builtInRoleView(key: OrganizationRole): Role {
  return BUILT_IN_ROLE_VIEWS.find((role) => role.key === key) as Role;
}

export function roleView(role: RoleState): Role {
  return {
    key: role.key,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    baseRole: role.baseRole,
    permissions: [...role.permissions],
    builtIn: false,
    holders: role.holders,
    createdAt: role.createdAt,
    updatedAt: role.updatedAt,
  };
}

/** What the security layer decides with: the organization item's `roles.<key>` (nothing else). */
export function decisionOf(role: Pick<RoleState, 'baseRole' | 'permissions'>): {
  baseRole: string;
  permissions: string[];
} {
  return { baseRole: role.baseRole, permissions: [...role.permissions] };
}

/** A custom role's key is never a built-in role's name, in any case (`admin` would read as ADMIN to people). */
export function assertCustomKey(key: string): void {
  if (isOrganizationRole(key.toUpperCase())) {
    throw new ValidationFailedError([
      { field: '/key', message: `is the name of the built-in role ${key.toUpperCase()}` },
    ]);
  }
}

function whyNotGrantable(permission: Permission): string {
  return OWNER_ONLY_PERMISSIONS.includes(permission)
    ? 'is held only by the OWNER'
    : 'is held by no member role (platform or API key only)';
}

/** Every permission is one a custom role may hold (the schema already refused unknown names and duplicates). */
export function assertGrantable(permissions: readonly Permission[]): void {
  const details: FieldError[] = permissions.flatMap((permission, index) =>
    CUSTOM_ROLE_PERMISSIONS.includes(permission)
      ? []
      : [{ field: `/permissions/${index}`, message: `${permission} ${whyNotGrantable(permission)}` }],
  );
  if (details.length) throw new ValidationFailedError(details, 'A custom role may not hold these permissions');
}

/** The plan's custom role limit (contract §9). */
export function customRoleLimit(plan: unknown): number {
  const limits = typeof plan === 'string' && Object.hasOwn(planLimits, plan) ? planLimits[plan as Plan] : undefined;
  if (!limits) throw new InternalError(undefined, { cause: new Error(`unknown plan ${String(plan)}`) });
  return limits.customRoles;
}
