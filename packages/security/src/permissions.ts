/**
 * Layer 3: the declarative permission table of contract §3, and the pure rules of contract §2.
 *
 * This module, with `rules.ts` (the §2 rules below applied to a security context), is the ONLY
 * place in the repository where roles and platform groups take part in a permission decision.
 * Routes name an action; use cases ask `canAssignRole`, `canManageMember`, `canChangeMemberRole`
 * and `canLeave` of `rules.ts`; nobody else compares roles.
 */

import {
  type OrganizationRole,
  type OrganizationStatus,
  OrganizationStatusValues,
  type PlatformGroup,
  PlatformGroupValues,
  type Scope,
  ScopeValues,
} from '@tenantry/models';

export type { OrganizationRole, OrganizationStatus, PlatformGroup, Scope };

/** Organization roles (schemas/enums.yaml), lowest first: the rank of contract §2, OWNER > ADMIN > MEMBER > VIEWER. */
export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'];

/** Platform groups (Cognito `cognito:groups`); NOT organization roles (contract §1). */
export const PLATFORM_GROUPS: readonly PlatformGroup[] = PlatformGroupValues;

export const ORGANIZATION_STATUSES: readonly OrganizationStatus[] = OrganizationStatusValues;

/**
 * The scopes an application's API key may carry (schemas/enums.yaml `Scope`): data, like roles. A
 * key acts only through actions whose row below names one of its scopes, and only inside its own
 * organization (contract §6). Every application is issued all of them.
 */
export const API_KEY_SCOPES: readonly Scope[] = ScopeValues;

export function isApiKeyScope(value: unknown): value is Scope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value);
}

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
  /** An API key with this scope, of this very organization, may perform the action (contract §6). */
  readonly applicationScope?: Scope;
}

/** An action on the caller's own data, with no organization in the path. */
export interface UserRule {
  readonly scope: 'user';
  /** `'any'`: every authenticated user; otherwise only these platform groups. */
  readonly platform: 'any' | readonly PlatformGroup[];
}

/** An action of an API key on itself (`GET /applications/me`). */
export interface ApplicationRule {
  readonly scope: 'application';
  readonly applicationScope: Scope;
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
  'notifications:send': { ...write('ADMIN', ['OWNER']), applicationScope: 'notifications:send' },
  'audit:read': read('ADMIN', ['OWNER', 'EMPLOYEE']),

  // User-level: no organization, no DynamoDB read by the security layer.
  'organization:create': { scope: 'user', platform: 'any' },
  'organizations:list': { scope: 'user', platform: ['OWNER', 'EMPLOYEE'] },
  'me:read': { scope: 'user', platform: 'any' },
  'me:write': { scope: 'user', platform: 'any' },
  'invitations:respond': { scope: 'user', platform: 'any' },

  // Application-level: the API key acting on itself.
  'applications:self': { scope: 'application', applicationScope: 'applications:self' },
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

/** Can an API key (with the right scope) ever perform this action? */
export function acceptsApplications(action: Action): boolean {
  const rule: PermissionRule = permissions[action];
  return rule.scope === 'application' || (rule.scope === 'organization' && rule.applicationScope !== undefined);
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
export function mayLeave(role: OrganizationRole): boolean {
  return role !== 'OWNER';
}

// ---------------------------------------------------------------------------------------------
// The decision: layers 2 and 3 as one pure function (no I/O), used by the middleware and tests.

export type DenyCode = 'UNAUTHENTICATED' | 'NOT_FOUND' | 'FORBIDDEN' | 'ORGANIZATION_SUSPENDED';

export type Access = 'member' | 'platform' | 'application' | 'user';

export type Decision =
  | { readonly allowed: true; readonly access: Access }
  | { readonly allowed: false; readonly deny: DenyCode; readonly reason: string };

/** What the decision needs to know about the principal (see `Principal`). */
export type DecisionPrincipal =
  | { readonly kind: 'user'; readonly groups: readonly PlatformGroup[] }
  | { readonly kind: 'application'; readonly organizationId: string; readonly scopes: readonly string[] };

export interface DecisionInput {
  principal: DecisionPrincipal;
  /** The organization id of the path (organization-scoped actions). */
  organizationId?: string;
  /** The organization item (of the path, or of an API key for application-level actions), or undefined when it does not exist. */
  organization?: { readonly status: string } | undefined;
  /** The caller's membership item in that organization, or undefined. */
  membership?: { readonly role: string; readonly status: string } | undefined;
}

const deny = (code: DenyCode, reason: string): Decision => ({ allowed: false, deny: code, reason });
const allow = (access: Access): Decision => ({ allowed: true, access });

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
    if (!principal.scopes.includes(rule.applicationScope)) return deny('FORBIDDEN', 'API key lacks scope');
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
    if (rule.applicationScope === undefined) return deny('FORBIDDEN', 'action is not available to API keys');
    if (principal.organizationId !== organizationId) return deny('NOT_FOUND', 'API key of another organization');
    if (organization.status !== 'ACTIVE') return deny('UNAUTHENTICATED', `organization is ${organization.status}`);
    if (!principal.scopes.includes(rule.applicationScope)) return deny('FORBIDDEN', 'API key lacks scope');
    return allow('application');
  }

  const role =
    membership && membership.status === 'ACTIVE' && isOrganizationRole(membership.role) ? membership.role : undefined;
  const memberAllowed = role !== undefined && rule.minRole !== null && roleAtLeast(role, rule.minRole);
  const platformAllowed = intersects(principal.groups, rule.platform);
  const visible = role !== undefined || platformAllowed || intersects(principal.groups, STAFF_WHO_SEE_ORGANIZATIONS);
  const status = organization.status as OrganizationStatus;

  if (status === 'DELETED' && !rule.statuses.includes('DELETED')) return deny('NOT_FOUND', 'organization deleted');
  if (!visible) return deny('NOT_FOUND', 'not a member');
  if (!memberAllowed && !platformAllowed) {
    return deny('FORBIDDEN', role ? `role ${role} below ${rule.minRole ?? 'platform'}` : 'platform group lacks right');
  }
  if (!rule.statuses.includes(status)) {
    return status === 'SUSPENDED'
      ? deny('ORGANIZATION_SUSPENDED', 'write to suspended organization')
      : deny('NOT_FOUND', `organization status ${status}`);
  }
  return allow(memberAllowed ? 'member' : 'platform');
}
