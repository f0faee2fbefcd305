/**
 * Layer 3: the declarative permission table of contract §3, the roles that hold its permissions
 * (built-in by rank, custom by list: contract §9), and the pure rules of contract §2.
 *
 * This module, with `rules.ts` (the §2 rules below applied to a security context), is the ONLY
 * place in the repository where roles and platform groups take part in a permission decision.
 * Routes name an action; use cases ask `canAssignRole`, `canManageMember`, `canChangeMemberRole`
 * and `canLeave` of `rules.ts`; nobody else compares roles.
 */

import {
  type KeyScope,
  KeyScopeValues,
  type OrganizationRole,
  type OrganizationStatus,
  OrganizationStatusValues,
  type Permission,
  PermissionValues,
  type PlatformGroup,
  PlatformGroupValues,
} from '@tenantry/models';

export type { KeyScope, OrganizationRole, OrganizationStatus, Permission, PlatformGroup };

/** Organization roles (schemas/enums.yaml), lowest first: the rank of contract §2, OWNER > ADMIN > MEMBER > VIEWER. */
export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'];

/** Platform groups (Cognito `cognito:groups`); NOT organization roles (contract §1). */
export const PLATFORM_GROUPS: readonly PlatformGroup[] = PlatformGroupValues;

export const ORGANIZATION_STATUSES: readonly OrganizationStatus[] = OrganizationStatusValues;

/** Every named permission (schemas/enums.yaml `Permission`, published in the OpenAPI document). */
export const PERMISSIONS: readonly Permission[] = PermissionValues;

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * The key-grantable permissions (schemas/enums.yaml `KeyScope`): the scopes an API key may carry. A
 * key acts only through actions named by one of its scopes, and only inside its own organization
 * (contract §6); no other row of the table is ever reachable with a key.
 */
export const KEY_SCOPES: readonly KeyScope[] = KeyScopeValues;

export function isKeyScope(value: unknown): value is KeyScope {
  return typeof value === 'string' && (KEY_SCOPES as readonly string[]).includes(value);
}

/** The scopes every application was issued before scopes could be chosen (those applications keep them). */
export const API_KEY_SCOPES: readonly KeyScope[] = ['applications:self', 'notifications:send'];

/** An action that needs an organization (from the path) and runs layers 2 and 3. */
export interface OrganizationRule {
  readonly scope: 'organization';
  /** The lowest organization role allowed; `null`: no member may, only platform groups. */
  readonly minRole: OrganizationRole | null;
  /** Platform groups that pass without a membership (their access is audited). */
  readonly platform: readonly PlatformGroup[];
  /** Does the action change tenant data? Writes are refused on a SUSPENDED organization. */
  readonly write: boolean;
  /** Organization statuses in which the action runs. DELETED outside it → 404, SUSPENDED → 403. */
  readonly statuses: readonly OrganizationStatus[];
}

/** An action on the caller's own data, with no organization in the path. */
export interface UserRule {
  readonly scope: 'user';
  /** `'any'`: every authenticated user; otherwise only these platform groups. */
  readonly platform: 'any' | readonly PlatformGroup[];
}

/** An action of an API key on itself (`GET /applications/me`); the key needs the action as a scope. */
export interface ApplicationRule {
  readonly scope: 'application';
}

export type PermissionRule = OrganizationRule | UserRule | ApplicationRule;

const READABLE: readonly OrganizationStatus[] = ['ACTIVE', 'SUSPENDED'];
const WRITABLE: readonly OrganizationStatus[] = ['ACTIVE'];

function read(minRole: OrganizationRole | null, platform: readonly PlatformGroup[]) {
  return { scope: 'organization', minRole, platform, write: false, statuses: READABLE } as const;
}

function write(
  minRole: OrganizationRole | null,
  platform: readonly PlatformGroup[],
  statuses: readonly OrganizationStatus[] = WRITABLE,
) {
  return { scope: 'organization', minRole, platform, write: true, statuses } as const;
}

/**
 * The permission table (contract §3). Lifecycle transitions that contract §4 allows on a SUSPENDED or
 * DELETED organization (delete, restore, suspend, reactivate) list those statuses explicitly; every
 * other write is refused on a SUSPENDED organization with 403 ORGANIZATION_SUSPENDED, and every
 * action but restore answers 404 on a DELETED one.
 */
export const permissions = {
  // Organization-scoped: layer 2 (organization, membership, status) then layer 3 (this row).
  'organization:read': read('VIEWER', ['OWNER', 'EMPLOYEE']),
  'organization:update': write('ADMIN', ['OWNER']),
  'organization:delete': write('OWNER', ['OWNER'], ['ACTIVE', 'SUSPENDED']),
  'organization:restore': write('OWNER', ['OWNER'], ['ACTIVE', 'SUSPENDED', 'DELETED']),
  'ownership:transfer': write('OWNER', []),
  'plan:change': write(null, ['OWNER']),
  'organization:suspend': write(null, ['OWNER', 'EMPLOYEE'], ['ACTIVE', 'SUSPENDED']),
  'organization:reactivate': write(null, ['OWNER', 'EMPLOYEE'], ['ACTIVE', 'SUSPENDED']),
  'members:read': read('VIEWER', ['OWNER', 'EMPLOYEE']),
  /** Role change and removal; the use case then applies `canChangeMemberRole` / `canManageMember` (rules.ts). */
  'members:manage': write('ADMIN', ['OWNER']),
  /** Leaving: any member; the use case refuses the OWNER with `canLeave` (rules.ts). */
  'membership:leave': write('VIEWER', []),
  'invitations:read': read('ADMIN', ['OWNER']),
  'invitations:manage': write('ADMIN', ['OWNER']),
  'organization:encryption_key': write('OWNER', ['OWNER']),
  /** Metadata only: key prefixes and timestamps, never a key or a hash. */
  'applications:read': read('VIEWER', ['OWNER', 'EMPLOYEE']),
  /** Update, delete, and promote / withdraw / revoke keys: nothing here reveals a key. */
  'applications:manage': write('ADMIN', ['OWNER']),
  /**
   * Create an application and rotate its key: the answer holds the new key in plaintext, so no
   * platform group passes (contract §1: platform staff never read API keys or secrets).
   */
  'api_keys:issue': write('ADMIN', []),
  'secrets:read': read('ADMIN', []),
  'secrets:write': write('ADMIN', []),
  'notifications:send': write('ADMIN', ['OWNER']),
  'audit:read': read('ADMIN', ['OWNER', 'EMPLOYEE']),
  /** The organization's roles, built-in and custom (contract §9). */
  'roles:read': read('VIEWER', ['OWNER', 'EMPLOYEE']),
  'roles:manage': write('OWNER', ['OWNER']),

  // User-level: no organization, no DynamoDB read by the security layer.
  'organization:create': { scope: 'user', platform: 'any' },
  'organizations:list': { scope: 'user', platform: ['OWNER', 'EMPLOYEE'] },
  'me:read': { scope: 'user', platform: 'any' },
  'me:write': { scope: 'user', platform: 'any' },
  'invitations:respond': { scope: 'user', platform: 'any' },

  // Application-level: the API key acting on itself.
  'applications:self': { scope: 'application' },
} as const satisfies Record<string, PermissionRule>;

export type Action = keyof typeof permissions;
export type OrganizationAction = {
  [A in Action]: (typeof permissions)[A] extends OrganizationRule ? A : never;
}[Action];
export type UserAction = { [A in Action]: (typeof permissions)[A] extends UserRule ? A : never }[Action];
export type ApplicationAction = {
  [A in Action]: (typeof permissions)[A] extends ApplicationRule ? A : never;
}[Action];

export const ACTIONS = Object.keys(permissions) as Action[];

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && Object.hasOwn(permissions, value);
}

export function ruleOf(action: Action): PermissionRule {
  return permissions[action];
}

/** Can an API key (with the right scope) ever perform this action? Only a key-grantable one. */
export function acceptsApplications(action: Action): boolean {
  return isKeyScope(action);
}

/** Can a user (ID token) ever perform this action? */
export function acceptsUsers(action: Action): boolean {
  return permissions[action].scope !== 'application';
}

// ---------------------------------------------------------------------------------------------
// Roles and groups

const RANK: Record<OrganizationRole, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

export function isOrganizationRole(value: unknown): value is OrganizationRole {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

export function isPlatformGroup(value: unknown): value is PlatformGroup {
  return typeof value === 'string' && (PLATFORM_GROUPS as readonly string[]).includes(value);
}

/** Layer 1: the known platform groups of a `cognito:groups` claim; anything else is ignored. */
export function platformGroupsFromClaim(claim: unknown): PlatformGroup[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  const groups: PlatformGroup[] = [];
  for (const value of values) if (isPlatformGroup(value) && !groups.includes(value)) groups.push(value);
  return groups;
}

/** True when role `a` is at least role `b`. */
export function roleAtLeast(a: OrganizationRole, b: OrganizationRole): boolean {
  return RANK[a] >= RANK[b];
}

/** Contract §2: `a` is strictly below `b`. */
export function isRoleBelow(a: OrganizationRole, b: OrganizationRole): boolean {
  return RANK[a] < RANK[b];
}

/** Contract §2: a member may assign or invite only roles strictly below their own (so only the OWNER makes ADMINs). */
export function mayAssignRole(actor: OrganizationRole, role: OrganizationRole): boolean {
  return isRoleBelow(role, actor);
}

/** Contract §2: a member may change or remove only members whose role is strictly below their own. */
export function mayManageMember(actor: OrganizationRole, target: OrganizationRole): boolean {
  return isRoleBelow(target, actor);
}

/** Contract §2: changing `target`'s role to `newRole` needs both rules (the OWNER is never demoted this way). */
export function mayChangeMemberRole(
  actor: OrganizationRole,
  target: OrganizationRole,
  newRole: OrganizationRole,
): boolean {
  return mayManageMember(actor, target) && mayAssignRole(actor, newRole);
}

/** Contract §2: anyone but the OWNER may leave. */
export function mayLeave(role: string): boolean {
  return role !== 'OWNER';
}

// ---------------------------------------------------------------------------------------------
// Roles as data: which permissions a role holds (contract §3, §9).

/** Each permission is an action of the table: the enum and the table cannot drift apart unseen. */
const PERMISSION_ACTIONS: readonly Action[] = PERMISSIONS;

function minRoleOf(action: Action): OrganizationRole | null | undefined {
  const rule: PermissionRule = permissions[action];
  return rule.scope === 'organization' ? rule.minRole : undefined;
}

/** The organization permissions some member role may hold (rows with a minimum role), lowest first in table order. */
const MEMBER_PERMISSIONS = PERMISSION_ACTIONS.filter((action) => minRoleOf(action)) as Permission[];

/** Permissions only the OWNER holds: a custom role may never hold them (contract §9). */
export const OWNER_ONLY_PERMISSIONS: readonly Permission[] = MEMBER_PERMISSIONS.filter(
  (permission) => minRoleOf(permission) === 'OWNER',
);

/**
 * The permissions a custom role may hold: every organization permission some member role holds but
 * the OWNER-only ones. Those no member holds (plan change, suspend, reactivate) are never grantable.
 */
export const CUSTOM_ROLE_PERMISSIONS: readonly Permission[] = MEMBER_PERMISSIONS.filter(
  (permission) => minRoleOf(permission) !== 'OWNER',
);

/** The ranks a custom role may take (contract §9): never OWNER, there is exactly one. */
export const CUSTOM_ROLE_BASE_ROLES: readonly OrganizationRole[] = ['VIEWER', 'MEMBER', 'ADMIN'];

/**
 * Held by every role, custom ones included, whatever their list says: contract §2 lets anyone but
 * the OWNER leave, and leaving is no row of the contract's table that a role could be given.
 */
const ALWAYS_HELD: readonly Permission[] = ['membership:leave'];

const isAlwaysHeld = (action: string) => (ALWAYS_HELD as readonly string[]).includes(action);

/** A role as decisions see it: built-in (its key is its name) or custom (contract §9). */
export interface RoleDescription {
  readonly key: string;
  /** The rank for every rule of contract §2: the built-in role itself, or a custom role's base role. */
  readonly baseRole: OrganizationRole;
  readonly permissions: readonly Permission[];
}

/** A custom role's decision data, as the organization item's `roles` attribute stores it under the role's key. */
export interface StoredCustomRole {
  readonly baseRole: string;
  readonly permissions: readonly string[];
}

/** The organization item's `roles` attribute: custom role key → decision data (nothing else, to keep layer 2's read small). */
export type CustomRoles = Readonly<Record<string, StoredCustomRole>>;

function rankedRole(role: OrganizationRole): RoleDescription {
  const reached = (permission: Permission) => roleAtLeast(role, minRoleOf(permission) as OrganizationRole);
  return { key: role, baseRole: role, permissions: MEMBER_PERMISSIONS.filter(reached) };
}

const BUILT_IN_ROLES: Record<OrganizationRole, RoleDescription> = {
  VIEWER: rankedRole('VIEWER'),
  MEMBER: rankedRole('MEMBER'),
  ADMIN: rankedRole('ADMIN'),
  OWNER: rankedRole('OWNER'),
};

/** Contract §3: a built-in role holds exactly the organization permissions whose row's minimum role its rank reaches. */
export function permissionsOfRole(role: OrganizationRole): readonly Permission[] {
  return BUILT_IN_ROLES[role].permissions;
}

export function builtInRole(role: OrganizationRole): RoleDescription {
  return BUILT_IN_ROLES[role];
}

function customRole(key: string, stored: unknown): RoleDescription | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { baseRole, permissions: listed } = stored as { baseRole?: unknown; permissions?: unknown };
  if (!isOrganizationRole(baseRole) || !CUSTOM_ROLE_BASE_ROLES.includes(baseRole)) return undefined;
  // A list, or a string set as the document client reads one; a name it may not hold grants nothing.
  const names: unknown[] = Array.isArray(listed) ? listed : listed instanceof Set ? [...listed] : [];
  const held = CUSTOM_ROLE_PERMISSIONS.filter(
    (permission) => ALWAYS_HELD.includes(permission) || names.includes(permission),
  );
  return { key, baseRole, permissions: held };
}

/**
 * The role a membership names: a built-in one, or the organization's custom role of that key (its
 * item's `roles` map, read by layer 2 with the organization: no extra read). Undefined for a role
 * that does not exist (any more): it grants nothing.
 */
export function resolveRole(key: string, roles: CustomRoles | undefined): RoleDescription | undefined {
  if (isOrganizationRole(key)) return BUILT_IN_ROLES[key];
  if (typeof roles !== 'object' || roles === null || !Object.hasOwn(roles, key)) return undefined;
  return customRole(key, roles[key]);
}

/** Does the role hold this permission? */
export function holds(role: RoleDescription, permission: string): boolean {
  return (role.permissions as readonly string[]).includes(permission);
}

/**
 * Contract §2 and §9: the role someone may assign or invite is a built-in or well-formed custom
 * role whose rank is strictly below the assigner's and whose every permission the assigner holds.
 */
export function mayAssign(assigner: RoleDescription, role: RoleDescription): boolean {
  if (!isAssignable(role)) return false;
  // A built-in role is judged by what it holds, whatever list came with its name.
  const assigned = isOrganizationRole(role.key) ? BUILT_IN_ROLES[role.key] : role;
  return (
    isRoleBelow(assigned.baseRole, assigner.baseRole) &&
    assigned.permissions.every((permission) => holds(assigner, permission))
  );
}

/** A built-in role of its own rank, or a custom role of a custom rank holding only what custom roles may hold. */
function isAssignable(role: RoleDescription): boolean {
  if (isOrganizationRole(role.key)) return role.baseRole === role.key;
  return (
    CUSTOM_ROLE_BASE_ROLES.includes(role.baseRole) &&
    role.permissions.every((permission) => CUSTOM_ROLE_PERMISSIONS.includes(permission))
  );
}

// ---------------------------------------------------------------------------------------------
// The decision: layers 2 and 3 as one pure function (no I/O), used by the middleware and tests.

export type DenyCode = 'UNAUTHENTICATED' | 'NOT_FOUND' | 'FORBIDDEN' | 'ORGANIZATION_SUSPENDED';

export type Access = 'member' | 'platform' | 'application' | 'user';

export type Decision =
  | {
      readonly allowed: true;
      readonly access: Access;
      /** The caller's role, when an ACTIVE membership names one that exists (whatever granted access). */
      readonly role?: RoleDescription;
    }
  | { readonly allowed: false; readonly deny: DenyCode; readonly reason: string };

/** What the decision needs to know about the principal (see `Principal`). */
export type DecisionPrincipal =
  | { readonly kind: 'user'; readonly groups: readonly PlatformGroup[] }
  | { readonly kind: 'application'; readonly organizationId: string; readonly scopes: readonly string[] };

export interface DecisionInput {
  principal: DecisionPrincipal;
  /** The organization id of the path (organization-scoped actions). */
  organizationId?: string;
  /**
   * The organization item (of the path, or of an API key for application-level actions), or
   * undefined when it does not exist; its `roles` are the custom roles a membership may name.
   */
  organization?: { readonly status: string; readonly roles?: CustomRoles } | undefined;
  /** The caller's membership item in that organization, or undefined. */
  membership?: { readonly role: string; readonly status: string } | undefined;
}

const deny = (code: DenyCode, reason: string): Decision => ({ allowed: false, deny: code, reason });
const allow = (access: Access, role?: RoleDescription): Decision =>
  role ? { allowed: true, access, role } : { allowed: true, access };

function intersects(groups: readonly PlatformGroup[], allowed: readonly PlatformGroup[]): boolean {
  for (const group of groups) if (allowed.includes(group)) return true;
  return false;
}

/** Platform groups that may see any organization (and so get 403 rather than 404 when refused). */
const STAFF_WHO_SEE_ORGANIZATIONS = permissions['organization:read'].platform;

/**
 * Layers 2 and 3 for one request. Order of answers: 404 (missing, deleted, or invisible to the
 * caller, all alike) → 403 FORBIDDEN (visible but not allowed) → 403 ORGANIZATION_SUSPENDED.
 */
export function decide(action: Action, input: DecisionInput): Decision {
  const rule: PermissionRule = permissions[action];
  const { principal } = input;

  if (rule.scope === 'application') {
    if (principal.kind !== 'application') return deny('FORBIDDEN', 'action is for API keys only');
    // The key's own organization (layer 2 reads it): a key verifies only while it is ACTIVE (contract §6).
    const status = input.organization?.status;
    if (status !== 'ACTIVE') return deny('UNAUTHENTICATED', `organization of the key is ${status ?? 'missing'}`);
    if (!principal.scopes.includes(action)) return deny('FORBIDDEN', 'API key lacks scope');
    return allow('application');
  }

  if (rule.scope === 'user') {
    if (principal.kind !== 'user') return deny('FORBIDDEN', 'action is for users only');
    if (rule.platform === 'any') return allow('user');
    if (intersects(principal.groups, rule.platform)) return allow('platform');
    return deny('FORBIDDEN', 'platform group required');
  }

  // Organization-scoped.
  const { organizationId, organization, membership } = input;
  if (!organizationId || !organization) return deny('NOT_FOUND', 'organization not found');

  if (principal.kind === 'application') {
    if (!isKeyScope(action)) return deny('FORBIDDEN', 'action is not available to API keys');
    if (principal.organizationId !== organizationId) return deny('NOT_FOUND', 'API key of another organization');
    if (organization.status !== 'ACTIVE') return deny('UNAUTHENTICATED', `organization is ${organization.status}`);
    if (!principal.scopes.includes(action)) return deny('FORBIDDEN', 'API key lacks scope');
    return allow('application');
  }

  // An ACTIVE membership makes the organization visible even when its role no longer exists (403, not 404).
  const member = membership !== undefined && membership.status === 'ACTIVE';
  const role = member ? resolveRole(membership.role, organization.roles) : undefined;
  // A member whose custom role is gone is allowed nothing but what every member holds (leaving).
  const memberAllowed = member && (role !== undefined ? holds(role, action) : isAlwaysHeld(action));
  const platformAllowed = intersects(principal.groups, rule.platform);
  const visible = member || platformAllowed || intersects(principal.groups, STAFF_WHO_SEE_ORGANIZATIONS);
  const status = organization.status as OrganizationStatus;

  if (status === 'DELETED' && !rule.statuses.includes('DELETED')) return deny('NOT_FOUND', 'organization deleted');
  if (!visible) return deny('NOT_FOUND', 'not a member');
  if (!memberAllowed && !platformAllowed) {
    if (!member) return deny('FORBIDDEN', 'platform group lacks right');
    return deny('FORBIDDEN', role ? `role ${role.key} lacks ${action}` : `role ${membership.role} does not exist`);
  }
  if (!rule.statuses.includes(status)) {
    return status === 'SUSPENDED'
      ? deny('ORGANIZATION_SUSPENDED', 'write to suspended organization')
      : deny('NOT_FOUND', `organization status ${status}`);
  }
  return allow(memberAllowed ? 'member' : 'platform', role);
}
