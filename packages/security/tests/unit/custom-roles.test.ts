// Permissions as data (contract §3, §9): the named permissions, what each built-in role holds,
// what a custom role may hold, and the role a request is decided with, through the whole stack.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { planLimits } from '@tenantry/models';
import {
  ACTIONS,
  CUSTOM_ROLE_PERMISSIONS,
  canAssignRole,
  configureSecurity,
  decide,
  logger,
  type OrganizationSecurityContext,
  OWNER_ONLY_PERMISSIONS,
  PERMISSIONS,
  permissions,
  permissionsOfRole,
  resetSecurityConfig,
  resolveRole,
  route,
} from '../../src/index';
import { call, memoryCounterStore } from '../../src/testing';
import {
  FakeStore,
  fakeModels,
  fakeToken,
  fakeVerifier,
  membership,
  organization,
  RecordingOutbox,
  userResolverFor,
} from '../support/fakes';

logger.setLogLevel('SILENT');

beforeEach(() => stubStageEnv());
afterEach(() => restoreEnv());

const sorted = (values: readonly string[]) => [...values].sort();

describe('named permissions', () => {
  it('are the organization actions of the table and applications:self', () => {
    const named = ACTIONS.filter((action) => permissions[action].scope !== 'user');
    expect(sorted(PERMISSIONS)).toEqual(sorted(named));
  });

  it('give each built-in role exactly the rows its rank reaches', () => {
    const viewer = ['organization:read', 'members:read', 'membership:leave', 'applications:read', 'roles:read'];
    const member = viewer;
    const admin = [
      ...viewer,
      'organization:update',
      'members:manage',
      'invitations:read',
      'invitations:manage',
      'applications:manage',
      'api_keys:issue',
      'secrets:read',
      'secrets:write',
      'notifications:send',
      'audit:read',
    ];
    const owner = [...admin, ...OWNER_ONLY_PERMISSIONS];
    expect(sorted(permissionsOfRole('VIEWER'))).toEqual(sorted(viewer));
    expect(sorted(permissionsOfRole('MEMBER'))).toEqual(sorted(member));
    expect(sorted(permissionsOfRole('ADMIN'))).toEqual(sorted(admin));
    expect(sorted(permissionsOfRole('OWNER'))).toEqual(sorted(owner));
  });

  it('keep the OWNER-only ones and those no member holds out of custom roles', () => {
    expect(sorted(OWNER_ONLY_PERMISSIONS)).toEqual(
      sorted([
        'organization:delete',
        'organization:restore',
        'ownership:transfer',
        'organization:encryption_key',
        'roles:manage',
      ]),
    );
    expect(sorted(CUSTOM_ROLE_PERMISSIONS)).toEqual(sorted(permissionsOfRole('ADMIN')));
    for (const never of ['plan:change', 'organization:suspend', 'organization:reactivate', 'applications:self']) {
      expect(CUSTOM_ROLE_PERMISSIONS).not.toContain(never);
    }
  });

  it('limit custom roles by plan: STARTER 0, PRO 10, ENTERPRISE 50', () => {
    expect([planLimits.STARTER.customRoles, planLimits.PRO.customRoles, planLimits.ENTERPRISE.customRoles]).toEqual([
      0, 10, 50,
    ]);
  });
});

describe('resolveRole', () => {
  const roles = {
    auditor: { baseRole: 'VIEWER', permissions: ['audit:read', 'organization:read'] },
    crown: { baseRole: 'OWNER', permissions: ['organization:read'] },
    sneaky: { baseRole: 'ADMIN', permissions: ['organization:delete', 'roles:manage', 'plan:change', 'members:read'] },
  };

  it('reads a custom role from the organization item, holding membership:leave whatever its list says', () => {
    expect(resolveRole('auditor', roles)).toEqual({
      key: 'auditor',
      baseRole: 'VIEWER',
      permissions: ['organization:read', 'membership:leave', 'audit:read'],
    });
  });

  it('knows no role that is not defined, has an OWNER or unknown rank, or is inherited', () => {
    expect(resolveRole('ghost', roles)).toBeUndefined();
    expect(resolveRole('auditor', undefined)).toBeUndefined();
    expect(resolveRole('crown', roles)).toBeUndefined();
    expect(resolveRole('toString', roles)).toBeUndefined();
    expect(resolveRole('viewer', roles)).toBeUndefined();
  });

  it('ignores a stored permission a custom role may not hold, and reads a string set like a list', () => {
    expect(resolveRole('sneaky', roles)?.permissions).toEqual(['members:read', 'membership:leave']);
    const stored = { set: { baseRole: 'MEMBER', permissions: new Set(['audit:read']) as unknown as string[] } };
    expect(resolveRole('set', stored)?.permissions).toEqual(['membership:leave', 'audit:read']);
  });
});

describe('the escalation rule, by example', () => {
  const roles = {
    auditor: { baseRole: 'VIEWER', permissions: ['organization:read', 'audit:read'] },
    lead: { baseRole: 'ADMIN', permissions: ['members:manage', 'invitations:manage', 'organization:read'] },
  };
  const as = (key: string, platformGroups: ('OWNER' | 'EMPLOYEE')[] = []): OrganizationSecurityContext => {
    const role = resolveRole(key, roles);
    return {
      scope: 'organization',
      action: 'invitations:manage',
      requestId: 'r',
      platformGroups,
      principal: { kind: 'user', id: 'u', email: undefined, emailVerified: true, groups: platformGroups },
      organizationId: 'o',
      organization: organization('o', { roles }),
      membership: undefined,
      role: key,
      baseRole: role?.baseRole,
      permissions: role?.permissions ?? [],
      access: 'member',
    };
  };

  it('needs the role below the assigner AND its permissions among the assigner’s', () => {
    expect(canAssignRole(as('ADMIN'), 'auditor')).toBe(true);
    // MEMBER outranks a VIEWER-based auditor but lacks audit:read.
    expect(canAssignRole(as('MEMBER'), 'auditor')).toBe(false);
    // An ADMIN-based lead is not below an ADMIN; the OWNER may.
    expect(canAssignRole(as('ADMIN'), 'lead')).toBe(false);
    expect(canAssignRole(as('OWNER'), 'lead')).toBe(true);
    // The lead outranks VIEWER but lacks members:read, which a VIEWER holds.
    expect(canAssignRole(as('lead'), 'VIEWER')).toBe(false);
    expect(canAssignRole(as('lead'), { key: 'doorman', baseRole: 'MEMBER', permissions: ['invitations:manage'] })).toBe(
      true,
    );
  });

  it('never assigns a role that does not exist, nor a description no custom role may be', () => {
    expect(canAssignRole(as('OWNER'), 'ghost')).toBe(false);
    const forged = { key: 'forged', baseRole: 'ADMIN' as const, permissions: ['organization:delete' as const] };
    expect(canAssignRole(as('OWNER'), forged)).toBe(false);
    expect(canAssignRole(as('OWNER'), { key: 'ADMIN', baseRole: 'VIEWER', permissions: [] })).toBe(false);
    // A built-in role is judged by what it holds, not by the list that came with its name.
    expect(canAssignRole(as('lead'), { key: 'VIEWER', baseRole: 'VIEWER', permissions: [] })).toBe(false);
  });

  it('lets platform staff acting as administrator assign anything but OWNER, as before custom roles', () => {
    const staff = { ...as('ghost', ['OWNER']), role: undefined, baseRole: undefined, permissions: [] };
    expect(canAssignRole(staff, 'lead')).toBe(true);
    expect(canAssignRole(staff, 'ADMIN')).toBe(true);
    expect(canAssignRole(staff, 'OWNER')).toBe(false);
    expect(canAssignRole({ ...staff, platformGroups: ['EMPLOYEE'] }, 'VIEWER')).toBe(false);
  });

  it('lets an API key, which has no rank, give only a role below ADMIN holding nothing beyond its scopes', () => {
    const key = (scopes: string[]): OrganizationSecurityContext => ({
      ...as('ghost'),
      principal: { kind: 'application', id: 'app', organizationId: 'o', scopes },
      role: undefined,
      baseRole: undefined,
      permissions: [],
      access: 'application',
    });
    const reader = key(['invitations:manage', 'organization:read', 'members:read', 'applications:read']);
    // What every VIEWER holds and no key can (leaving, reading the roles) does not count against it.
    expect(canAssignRole(reader, 'VIEWER')).toBe(true);
    expect(canAssignRole(reader, 'MEMBER')).toBe(true);
    expect(canAssignRole(key(['invitations:manage', 'organization:read', 'members:read']), 'VIEWER')).toBe(false);
    // The auditor's audit:read is not among the reader's scopes; with it, the key may give it.
    expect(canAssignRole(reader, 'auditor')).toBe(false);
    expect(canAssignRole(key(['invitations:manage', 'organization:read', 'audit:read']), 'auditor')).toBe(true);
    // ADMIN and above, and an ADMIN-based role, never, whatever the scopes.
    const every = key(['invitations:manage', 'organization:read', 'members:read', 'applications:read', 'audit:read']);
    expect(canAssignRole(every, 'ADMIN')).toBe(false);
    expect(canAssignRole(every, 'OWNER')).toBe(false);
    expect(canAssignRole(every, 'lead')).toBe(false);
    expect(canAssignRole(every, { key: 'doorman', baseRole: 'MEMBER', permissions: ['members:manage'] })).toBe(false);
  });
});

describe('a custom role through the stack', () => {
  const models = fakeModels({
    getOrganization: { method: 'GET', path: '/organizations/{orgId}', auth: 'user' },
    listAuditEvents: { method: 'GET', path: '/organizations/{orgId}/audit', auth: 'user' },
  });
  const whoAmI = route({ operation: 'getOrganization', action: 'organization:read' }, async ({ context }) => ({
    body: { role: context.role, baseRole: context.baseRole, permissions: context.permissions, access: context.access },
  }));
  const readAudit = route({ operation: 'listAuditEvents', action: 'audit:read' }, async () => ({ body: {} }));
  const asUser = (userId: string) => ({
    token: fakeToken(userId),
    path: '/organizations/acme',
    pathParameters: { orgId: 'acme' },
  });
  let store: FakeStore;

  beforeEach(() => {
    resetSecurityConfig();
    const auditor = { baseRole: 'VIEWER', permissions: ['organization:read', 'audit:read'] };
    store = new FakeStore().add(
      organization('acme', { roles: { auditor } }),
      { ...membership('acme', 'ann', 'VIEWER'), role: 'auditor' } as never,
      { ...membership('acme', 'gus', 'VIEWER'), role: 'deleted-role' } as never,
      membership('acme', 'vic', 'VIEWER'),
    );
    configureSecurity({
      models,
      organizationStore: store,
      eventOutbox: new RecordingOutbox(),
      rateLimitStore: memoryCounterStore(),
      resolvers: { user: userResolverFor(fakeVerifier({ ann: {}, gus: {}, vic: {} })) },
    });
  });

  afterEach(() => resetSecurityConfig());

  it('decides with the role of the organization item, read with it (one load), and hands it to the function', async () => {
    const response = await call(whoAmI, asUser('ann'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      role: 'auditor',
      baseRole: 'VIEWER',
      permissions: ['organization:read', 'membership:leave', 'audit:read'],
      access: 'member',
    });
    expect(store.loads).toBe(1);
    expect((await call(readAudit, asUser('ann'))).statusCode).toBe(200);
    expect((await call(readAudit, asUser('vic'))).statusCode).toBe(403);
  });

  it('applies a change of the role on the holder’s next request', async () => {
    expect((await call(readAudit, asUser('ann'))).statusCode).toBe(200);
    store.organizations.set(
      'acme',
      organization('acme', { roles: { auditor: { baseRole: 'VIEWER', permissions: [] } } }),
    );
    expect((await call(readAudit, asUser('ann'))).statusCode).toBe(403);
    expect((await call(whoAmI, asUser('ann'))).statusCode).toBe(403);
  });

  it('answers 403, not 404, to a member whose role no longer exists: still a member, granted nothing but leaving', async () => {
    const response = await call(whoAmI, asUser('gus'));
    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      decide('membership:leave', {
        principal: { kind: 'user', groups: [] },
        organizationId: 'acme',
        organization: organization('acme'),
        membership: { role: 'deleted-role', status: 'ACTIVE' },
      }),
    ).toMatchObject({ allowed: true, access: 'member' });
  });
});
