// A differential test of permissions as data: random custom roles, memberships, platform groups,
// organization statuses, principals and actions, decided by decide() and by an independent model
// written here from the contract (§1–§3, §6, §9) — the model imports nothing of the security
// package; only the system under test does. Then the escalation rule, the same way.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ACTIONS,
  canAssignRole,
  canManageMember,
  decide,
  type OrganizationSecurityContext,
  type RoleDescription,
} from '../../src/index';
import type { DecisionInput } from '../../src/permissions';

// ---------------------------------------------------------------------------------------------
// The model, from the contract alone.

type Rank = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER';
type Group = 'OWNER' | 'EMPLOYEE' | 'CUSTOMER';
type Status = 'ACTIVE' | 'SUSPENDED' | 'DELETED';

const RANK: Record<Rank, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };
const READS: Status[] = ['ACTIVE', 'SUSPENDED'];
const WRITES: Status[] = ['ACTIVE'];
const LIFECYCLE: Status[] = ['ACTIVE', 'SUSPENDED'];

/** §3's table (min role; platform groups that also pass) with the statuses §4 lets each run in. */
const TABLE: Record<string, { min: Rank | null; platform: Group[]; statuses: Status[] }> = {
  'organization:read': { min: 'VIEWER', platform: ['OWNER', 'EMPLOYEE'], statuses: READS },
  'organization:update': { min: 'ADMIN', platform: ['OWNER'], statuses: WRITES },
  'organization:delete': { min: 'OWNER', platform: ['OWNER'], statuses: LIFECYCLE },
  'organization:restore': { min: 'OWNER', platform: ['OWNER'], statuses: ['ACTIVE', 'SUSPENDED', 'DELETED'] },
  'organization:encryption_key': { min: 'OWNER', platform: ['OWNER'], statuses: WRITES },
  'ownership:transfer': { min: 'OWNER', platform: [], statuses: WRITES },
  'plan:change': { min: null, platform: ['OWNER'], statuses: WRITES },
  'organization:suspend': { min: null, platform: ['OWNER', 'EMPLOYEE'], statuses: LIFECYCLE },
  'organization:reactivate': { min: null, platform: ['OWNER', 'EMPLOYEE'], statuses: LIFECYCLE },
  'members:read': { min: 'VIEWER', platform: ['OWNER', 'EMPLOYEE'], statuses: READS },
  'members:manage': { min: 'ADMIN', platform: ['OWNER'], statuses: WRITES },
  // §2: anyone but the OWNER may leave (the OWNER is refused by the use case, not here).
  'membership:leave': { min: 'VIEWER', platform: [], statuses: WRITES },
  'invitations:read': { min: 'ADMIN', platform: ['OWNER'], statuses: READS },
  'invitations:manage': { min: 'ADMIN', platform: ['OWNER'], statuses: WRITES },
  'applications:read': { min: 'VIEWER', platform: ['OWNER', 'EMPLOYEE'], statuses: READS },
  'applications:manage': { min: 'ADMIN', platform: ['OWNER'], statuses: WRITES },
  // §1: platform staff never read API keys or secrets.
  'api_keys:issue': { min: 'ADMIN', platform: [], statuses: WRITES },
  'secrets:read': { min: 'ADMIN', platform: [], statuses: READS },
  'secrets:write': { min: 'ADMIN', platform: [], statuses: WRITES },
  'notifications:send': { min: 'ADMIN', platform: ['OWNER'], statuses: WRITES },
  'audit:read': { min: 'ADMIN', platform: ['OWNER', 'EMPLOYEE'], statuses: READS },
  'roles:read': { min: 'VIEWER', platform: ['OWNER', 'EMPLOYEE'], statuses: READS },
  'roles:manage': { min: 'OWNER', platform: ['OWNER'], statuses: WRITES },
};
/** User-level actions: no organization; `any` user, or these platform groups. */
const USER_ACTIONS: Record<string, 'any' | Group[]> = {
  'organization:create': 'any',
  'organizations:list': ['OWNER', 'EMPLOYEE'],
  'me:read': 'any',
  'me:write': 'any',
  'invitations:respond': 'any',
};
const SELF = 'applications:self';
/** §6: the key-grantable permissions (webhooks:read joins with webhooks). */
const KEY_GRANTABLE = [
  'applications:self',
  'notifications:send',
  'organization:read',
  'members:read',
  'invitations:read',
  'invitations:manage',
  'applications:read',
  'audit:read',
];
/** §9: what a custom role may never hold. */
const OWNER_ONLY = [
  'organization:delete',
  'organization:restore',
  'ownership:transfer',
  'organization:encryption_key',
  'roles:manage',
];
const HOLDABLE = Object.keys(TABLE).filter((p) => TABLE[p]!.min !== null && !OWNER_ONLY.includes(p));
/** §1: staff who may see any organization (so a refusal is 403, not 404). */
const SEEING_STAFF: Group[] = ['OWNER', 'EMPLOYEE'];

interface ModelRole {
  rank: Rank;
  permissions: string[];
}

function builtIn(role: Rank): ModelRole {
  const held = Object.keys(TABLE).filter((p) => TABLE[p]!.min !== null && RANK[role] >= RANK[TABLE[p]!.min as Rank]);
  return { rank: role, permissions: held };
}

/** A role by key: built-in, or the organization's custom role; undefined when it does not exist. */
function modelRole(key: string, roles: Record<string, { baseRole: string; permissions: string[] }> | undefined) {
  if (Object.hasOwn(RANK, key)) return builtIn(key as Rank);
  const custom = roles && Object.hasOwn(roles, key) ? roles[key] : undefined;
  if (!custom || !['ADMIN', 'MEMBER', 'VIEWER'].includes(custom.baseRole)) return undefined;
  // §9: only holdable permissions count; §2: leaving is every member's right.
  const held = HOLDABLE.filter((p) => p === 'membership:leave' || custom.permissions.includes(p));
  return { rank: custom.baseRole as Rank, permissions: held };
}

type Expected = { allowed: true; access: string; role?: ModelRole } | { allowed: false; deny: string };

function model(action: string, input: DecisionInput): Expected {
  const no = (deny: string): Expected => ({ allowed: false, deny });
  const { principal } = input;
  if (action === SELF) {
    if (principal.kind !== 'application') return no('FORBIDDEN');
    if (input.organization?.status !== 'ACTIVE') return no('UNAUTHENTICATED');
    return principal.scopes.includes(SELF) ? { allowed: true, access: 'application' } : no('FORBIDDEN');
  }
  const userRule = USER_ACTIONS[action];
  if (userRule !== undefined) {
    if (principal.kind !== 'user') return no('FORBIDDEN');
    if (userRule === 'any') return { allowed: true, access: 'user' };
    return principal.groups.some((g) => userRule.includes(g)) ? { allowed: true, access: 'platform' } : no('FORBIDDEN');
  }
  const row = TABLE[action]!;
  const organization = input.organization;
  if (!input.organizationId || !organization) return no('NOT_FOUND');
  const status = organization.status as Status;
  if (principal.kind === 'application') {
    if (!KEY_GRANTABLE.includes(action)) return no('FORBIDDEN');
    if (principal.organizationId !== input.organizationId) return no('NOT_FOUND');
    if (status !== 'ACTIVE') return no('UNAUTHENTICATED');
    return principal.scopes.includes(action) ? { allowed: true, access: 'application' } : no('FORBIDDEN');
  }
  const active = input.membership?.status === 'ACTIVE';
  const role = active ? modelRole(input.membership!.role, organization.roles as never) : undefined;
  // §2: anyone but the OWNER may leave, also a member whose custom role no longer exists.
  const asMember = active && (role ? role.permissions.includes(action) : action === 'membership:leave');
  const asStaff = principal.groups.some((g) => row.platform.includes(g));
  const visible = active || asStaff || principal.groups.some((g) => SEEING_STAFF.includes(g));
  if (status === 'DELETED' && !row.statuses.includes('DELETED')) return no('NOT_FOUND');
  if (!visible) return no('NOT_FOUND');
  if (!asMember && !asStaff) return no('FORBIDDEN');
  if (!row.statuses.includes(status)) return no(status === 'SUSPENDED' ? 'ORGANIZATION_SUSPENDED' : 'NOT_FOUND');
  return { allowed: true, access: asMember ? 'member' : 'platform', ...(role ? { role } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const CUSTOM_KEYS = ['auditor', 'support', 'billing-lead', 'ops'];
/** Stored lists may hold what a custom role may not (a bug elsewhere): it must grant nothing. */
const STORABLE = [...HOLDABLE, ...OWNER_ONLY, 'plan:change', 'organization:suspend', 'root'];

const customRole = fc.record({
  baseRole: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('ADMIN', 'MEMBER', 'VIEWER') },
    { weight: 1, arbitrary: fc.constantFrom('OWNER', 'ROOT') },
  ),
  permissions: fc.oneof(
    { weight: 6, arbitrary: fc.subarray(HOLDABLE) },
    { weight: 1, arbitrary: fc.subarray(STORABLE) },
  ),
});
const customRoles = fc.dictionary(fc.constantFrom(...CUSTOM_KEYS), customRole, { maxKeys: CUSTOM_KEYS.length });
/** Built-in, custom (maybe not defined in this organization: deleted), or nonsense. */
const roleKey = fc.constantFrom<string>('OWNER', 'ADMIN', 'MEMBER', 'VIEWER', ...CUSTOM_KEYS, 'ghost');
const groups = fc.subarray<Group>(['OWNER', 'EMPLOYEE', 'CUSTOMER']);
const status = fc.constantFrom<Status>('ACTIVE', 'SUSPENDED', 'DELETED');

const decisionInput = fc.record({
  principal: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('user' as const), groups }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('application' as const),
        organizationId: fc.constantFrom('o', 'x'),
        scopes: fc.subarray([...KEY_GRANTABLE, 'members:manage', 'admin']),
      }),
    },
  ),
  organizationId: fc.constant('o'),
  organization: fc.option(fc.record({ status, roles: fc.option(customRoles, { nil: undefined }) }), {
    nil: undefined,
    freq: 8,
  }),
  membership: fc.option(fc.record({ role: roleKey, status: fc.constantFrom('ACTIVE', 'ACTIVE', 'REMOVED', 'LEFT') }), {
    nil: undefined,
    freq: 5,
  }),
});

const sorted = (values: readonly string[]) => [...values].sort();

describe('decide() against a model of the contract, with custom roles', () => {
  it('the model covers exactly the actions of the permission table', () => {
    expect(sorted(ACTIONS)).toEqual(sorted([...Object.keys(TABLE), ...Object.keys(USER_ACTIONS), SELF]));
  });

  it('agrees with the model on every random case (decision, deny code, access, and the role decided with)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTIONS), decisionInput, (action, input) => {
        const decision = decide(action, input as DecisionInput);
        const expected = model(action, input as DecisionInput);
        const seen = decision.allowed
          ? {
              allowed: true,
              access: decision.access,
              ...(decision.role
                ? { role: { rank: decision.role.baseRole, permissions: sorted(decision.role.permissions) } }
                : {}),
            }
          : { allowed: false, deny: decision.deny };
        const wanted =
          expected.allowed && expected.role
            ? { ...expected, role: { rank: expected.role.rank, permissions: sorted(expected.role.permissions) } }
            : expected;
        expect(seen).toEqual(wanted);
      }),
      { numRuns: 4000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Escalation (contract §2 and §9)

/** The security context of a member (and maybe staff) whose ACTIVE membership names `key`, as layer 2 builds it. */
function contextOf(key: string, roles: Record<string, unknown>, platformGroups: Group[]): OrganizationSecurityContext {
  const organization = { id: 'o', status: 'ACTIVE', roles };
  // Every role that exists holds membership:leave (§2), so this decision carries the caller's role.
  const decision = decide('membership:leave', {
    principal: { kind: 'user', groups: [] },
    organizationId: 'o',
    organization: organization as never,
    membership: { role: key, status: 'ACTIVE' },
  });
  const role = decision.allowed ? decision.role : undefined;
  return {
    scope: 'organization',
    action: 'members:manage',
    requestId: 'r',
    platformGroups,
    principal: { kind: 'user', id: 'u', email: undefined, emailVerified: true, groups: platformGroups },
    organizationId: 'o',
    organization: organization as never,
    membership: undefined,
    role: key,
    baseRole: role?.baseRole,
    permissions: role?.permissions ?? [],
    access: 'member',
  };
}

/** §3: the platform groups that pass `members:manage` act above every role but OWNER. */
const actsAsAdministrator = (platformGroups: Group[]) => platformGroups.includes('OWNER');

function modelMayAssign(
  assigner: ModelRole | undefined,
  platformGroups: Group[],
  role: ModelRole | undefined,
): boolean {
  if (!role) return false;
  const byRank = assigner !== undefined && RANK[role.rank] < RANK[assigner.rank];
  const bySet = assigner !== undefined && role.permissions.every((p) => assigner.permissions.includes(p));
  return (byRank && bySet) || (actsAsAdministrator(platformGroups) && role.rank !== 'OWNER');
}

const escalationCase = fc.record({
  roles: customRoles,
  assigner: roleKey,
  platformGroups: groups,
  /** The role to assign: by key, or as a description of a custom role being written. */
  assigned: fc.oneof(
    { weight: 3, arbitrary: roleKey.map((key) => ({ byKey: key })) },
    {
      weight: 1,
      arbitrary: fc.record({
        key: fc.constantFrom('draft', 'auditor'),
        baseRole: fc.constantFrom<Rank>('ADMIN', 'MEMBER', 'VIEWER'),
        permissions: fc.subarray(HOLDABLE),
      }),
    },
  ),
});

describe('the escalation rule against the model', () => {
  it('canAssignRole agrees with the model, and no member ever assigns a role above their rank or permissions', () => {
    fc.assert(
      fc.property(escalationCase, ({ roles, assigner, platformGroups, assigned }) => {
        const context = contextOf(assigner, roles, platformGroups);
        const caller = modelRole(assigner, roles);
        const target =
          'byKey' in assigned
            ? modelRole(assigned.byKey, roles)
            : { rank: assigned.baseRole, permissions: [...assigned.permissions] };
        const given = 'byKey' in assigned ? assigned.byKey : (assigned as RoleDescription);
        const allowed = canAssignRole(context, given);
        expect(allowed).toBe(modelMayAssign(caller, platformGroups, target));
        if (allowed && !actsAsAdministrator(platformGroups)) {
          expect(caller && target && RANK[target.rank] < RANK[caller.rank]).toBe(true);
          expect(target?.permissions.filter((p) => !caller?.permissions.includes(p))).toEqual([]);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('canManageMember follows rank (a base role for custom roles; a role that no longer exists has none)', () => {
    fc.assert(
      fc.property(escalationCase, roleKey, ({ roles, assigner, platformGroups }, targetKey) => {
        const context = contextOf(assigner, roles, platformGroups);
        const caller = modelRole(assigner, roles);
        const target = modelRole(targetKey, roles);
        const expected =
          (caller !== undefined && (target === undefined || RANK[target.rank] < RANK[caller.rank])) ||
          (actsAsAdministrator(platformGroups) && target?.rank !== 'OWNER');
        expect(canManageMember(context, targetKey)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
