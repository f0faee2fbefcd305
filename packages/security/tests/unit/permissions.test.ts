import { describe, expect, it } from '@jest/globals';
import {
  ACTIONS,
  API_KEY_SCOPES,
  acceptsApplications,
  decide,
  isKeyScope,
  isPermission,
  isRoleBelow,
  KEY_SCOPES,
  mayAssignRole,
  mayChangeMemberRole,
  mayLeave,
  mayManageMember,
  permissions,
  platformGroupsFromClaim,
} from '../../src/index';

const user = (...groups: ('OWNER' | 'EMPLOYEE' | 'CUSTOMER')[]) => ({ kind: 'user' as const, groups });
const org = (status = 'ACTIVE') => ({ status });
const member = (role: string, status = 'ACTIVE') => ({ role, status });

describe('layer 1: platform groups', () => {
  it('keeps only the known groups of the cognito:groups claim', () => {
    expect(platformGroupsFromClaim(['OWNER', 'admin', 'CUSTOMER', 'OWNER'])).toEqual(['OWNER', 'CUSTOMER']);
    expect(platformGroupsFromClaim(undefined)).toEqual([]);
    expect(platformGroupsFromClaim('EMPLOYEE')).toEqual(['EMPLOYEE']);
  });

  it('gives the platform OWNER group no organization role: it cannot transfer ownership', () => {
    const decision = decide('ownership:transfer', {
      principal: user('OWNER'),
      organizationId: 'o',
      organization: org(),
    });
    expect(decision).toMatchObject({ allowed: false, deny: 'FORBIDDEN' });
  });

  it('gives an organization OWNER no platform power', () => {
    const decision = decide('plan:change', {
      principal: user(),
      organizationId: 'o',
      organization: org(),
      membership: member('OWNER'),
    });
    expect(decision).toMatchObject({ allowed: false, deny: 'FORBIDDEN' });
  });
});

describe('layer 2: organization', () => {
  it('answers NOT_FOUND for a missing organization and for a non-member alike', () => {
    expect(decide('organization:read', { principal: user(), organizationId: 'o' })).toMatchObject({
      deny: 'NOT_FOUND',
    });
    expect(decide('organization:read', { principal: user(), organizationId: 'o', organization: org() })).toMatchObject({
      deny: 'NOT_FOUND',
    });
  });

  it('treats a membership that is not ACTIVE as none, and one naming an unknown role as granting nothing', () => {
    const input = { principal: user(), organizationId: 'o', organization: org() };
    expect(decide('organization:read', { ...input, membership: member('ADMIN', 'REMOVED') })).toMatchObject({
      deny: 'NOT_FOUND',
    });
    // Still a member (the organization is visible: 403, not 404), but a role that does not exist holds
    // nothing — except leaving, which contract §2 gives anyone but the OWNER.
    expect(decide('organization:read', { ...input, membership: member('ROOT') })).toMatchObject({ deny: 'FORBIDDEN' });
    expect(decide('membership:leave', { ...input, membership: member('ROOT') })).toMatchObject({ allowed: true });
  });

  it('lets members read a SUSPENDED organization but not write to it', () => {
    const input = {
      principal: user(),
      organizationId: 'o',
      organization: org('SUSPENDED'),
      membership: member('OWNER'),
    };
    expect(decide('organization:read', input)).toMatchObject({ allowed: true });
    expect(decide('organization:update', input)).toMatchObject({ deny: 'ORGANIZATION_SUSPENDED' });
    expect(decide('organization:delete', input)).toMatchObject({ allowed: true });
  });

  it('answers NOT_FOUND on a DELETED organization for everything but restore', () => {
    const input = {
      principal: user('OWNER'),
      organizationId: 'o',
      organization: org('DELETED'),
      membership: member('OWNER'),
    };
    for (const action of ACTIONS) {
      if (permissions[action].scope !== 'organization') continue;
      const decision = decide(action, input);
      if (action === 'organization:restore') expect(decision).toMatchObject({ allowed: true });
      else expect({ action, decision }).toMatchObject({ action, decision: { deny: 'NOT_FOUND' } });
    }
  });

  it('lets the platform OWNER restore a DELETED organization without a membership', () => {
    const decision = decide('organization:restore', {
      principal: user('OWNER'),
      organizationId: 'o',
      organization: org('DELETED'),
    });
    expect(decision).toEqual({ allowed: true, access: 'platform' });
  });

  it('lets staff suspend and reactivate, and refuses staff a FORBIDDEN (not 404) when they lack the right', () => {
    const input = { principal: user('EMPLOYEE'), organizationId: 'o', organization: org() };
    expect(decide('organization:suspend', input)).toEqual({ allowed: true, access: 'platform' });
    expect(decide('organization:reactivate', { ...input, organization: org('SUSPENDED') })).toMatchObject({
      allowed: true,
    });
    expect(decide('organization:update', input)).toMatchObject({ deny: 'FORBIDDEN' });
  });

  it('never lets platform staff obtain an API key (create, rotate), and answers them FORBIDDEN, not 404', () => {
    for (const group of ['OWNER', 'EMPLOYEE'] as const) {
      const decision = decide('api_keys:issue', { principal: user(group), organizationId: 'o', organization: org() });
      expect(decision).toMatchObject({ allowed: false, deny: 'FORBIDDEN' });
    }
    const revoke = decide('applications:manage', {
      principal: user('OWNER'),
      organizationId: 'o',
      organization: org(),
    });
    expect(revoke).toEqual({ allowed: true, access: 'platform' });
  });

  it('never lets platform staff read application secrets', () => {
    for (const group of ['OWNER', 'EMPLOYEE'] as const) {
      const decision = decide('secrets:read', { principal: user(group), organizationId: 'o', organization: org() });
      expect(decision).toMatchObject({ allowed: false });
    }
  });
});

describe('layer 3: the permission table of contract §3', () => {
  const cases: [string, string, boolean][] = [
    ['organization:read', 'VIEWER', true],
    ['organization:update', 'MEMBER', false],
    ['organization:update', 'ADMIN', true],
    ['organization:delete', 'ADMIN', false],
    ['organization:delete', 'OWNER', true],
    ['ownership:transfer', 'OWNER', true],
    ['plan:change', 'OWNER', false],
    ['organization:suspend', 'OWNER', false],
    ['members:read', 'VIEWER', true],
    ['members:manage', 'MEMBER', false],
    ['members:manage', 'ADMIN', true],
    ['invitations:manage', 'ADMIN', true],
    ['applications:read', 'VIEWER', true],
    ['applications:manage', 'MEMBER', false],
    ['api_keys:issue', 'MEMBER', false],
    ['api_keys:issue', 'ADMIN', true],
    ['organization:encryption_key', 'ADMIN', false],
    ['organization:encryption_key', 'OWNER', true],
    ['secrets:read', 'ADMIN', true],
    ['secrets:read', 'MEMBER', false],
    ['notifications:send', 'ADMIN', true],
    ['audit:read', 'MEMBER', false],
    ['audit:read', 'ADMIN', true],
  ];
  it.each(cases)('%s for a %s member: %s', (action, role, allowed) => {
    const decision = decide(action as never, {
      principal: user(),
      organizationId: 'o',
      organization: org(),
      membership: member(role),
    });
    expect(decision.allowed).toBe(allowed);
  });

  it('refuses API keys every action without an application scope', () => {
    const key = {
      kind: 'application' as const,
      organizationId: 'o',
      scopes: ['notifications:send', 'applications:self'],
    };
    expect(decide('organization:read', { principal: key, organizationId: 'o', organization: org() })).toMatchObject({
      allowed: false,
    });
    expect(decide('notifications:send', { principal: key, organizationId: 'o', organization: org() })).toMatchObject({
      allowed: true,
    });
  });
});

describe('API-key scopes: data in the table, like roles (contract §6)', () => {
  const key = (scopes: string[], organizationId = 'o') => ({ kind: 'application' as const, organizationId, scopes });

  it('are the KeyScope enum: key-grantable permissions, each an action of the table; applications get the two of today', () => {
    expect([...KEY_SCOPES].sort()).toEqual(
      [
        'applications:read',
        'applications:self',
        'audit:read',
        'invitations:manage',
        'invitations:read',
        'members:read',
        'notifications:send',
        'organization:read',
      ].sort(),
    );
    for (const scope of KEY_SCOPES)
      expect([scope, isPermission(scope), acceptsApplications(scope)]).toEqual([scope, true, true]);
    expect([...API_KEY_SCOPES].sort()).toEqual(['applications:self', 'notifications:send']);
  });

  it('let a key act on itself only while its organization is ACTIVE (else the same 401 as an unknown key)', () => {
    const self = key(['applications:self']);
    expect(decide('applications:self', { principal: self, organization: org() })).toEqual({
      allowed: true,
      access: 'application',
    });
    for (const organization of [org('SUSPENDED'), org('DELETED'), undefined]) {
      expect(decide('applications:self', { principal: self, organization })).toMatchObject({ deny: 'UNAUTHENTICATED' });
    }
    expect(decide('applications:self', { principal: key(['notifications:send']), organization: org() })).toMatchObject({
      deny: 'FORBIDDEN',
    });
    expect(decide('applications:self', { principal: user('OWNER'), organization: org() })).toMatchObject({
      deny: 'FORBIDDEN',
    });
  });

  it('let a key send notifications in its own organization only (404 elsewhere, 401 when not ACTIVE)', () => {
    const sender = key(['notifications:send'], 'o');
    expect(decide('notifications:send', { principal: sender, organizationId: 'o', organization: org() })).toMatchObject(
      {
        allowed: true,
      },
    );
    expect(decide('notifications:send', { principal: sender, organizationId: 'x', organization: org() })).toMatchObject(
      {
        deny: 'NOT_FOUND',
      },
    );
    expect(
      decide('notifications:send', { principal: sender, organizationId: 'o', organization: org('SUSPENDED') }),
    ).toMatchObject({ deny: 'UNAUTHENTICATED' });
  });

  it('give a key no action that is not key-grantable, whatever scopes it carries', () => {
    const everything = key([...ACTIONS, 'admin', '*']);
    for (const action of ACTIONS) {
      if (isKeyScope(action)) continue;
      expect([action, acceptsApplications(action)]).toEqual([action, false]);
      const decision = decide(action, { principal: everything, organizationId: 'o', organization: org() });
      expect([action, decision.allowed]).toEqual([action, false]);
    }
  });

  it('give a key each key-grantable organization action with that scope, in its own ACTIVE organization only', () => {
    for (const action of KEY_SCOPES) {
      if (permissions[action].scope !== 'organization') continue;
      const input = { organizationId: 'o', organization: org() };
      expect([action, decide(action, { ...input, principal: key([action]) })]).toEqual([
        action,
        { allowed: true, access: 'application' },
      ]);
      const others = key(KEY_SCOPES.filter((scope) => scope !== action));
      expect([action, decide(action, { ...input, principal: others })]).toMatchObject([action, { deny: 'FORBIDDEN' }]);
      expect([action, decide(action, { ...input, principal: key([action], 'x') })]).toMatchObject([
        action,
        { deny: 'NOT_FOUND' },
      ]);
    }
  });
});

describe('the rules of contract §2', () => {
  it('orders roles OWNER > ADMIN > MEMBER > VIEWER', () => {
    expect(isRoleBelow('VIEWER', 'MEMBER')).toBe(true);
    expect(isRoleBelow('ADMIN', 'OWNER')).toBe(true);
    expect(isRoleBelow('ADMIN', 'ADMIN')).toBe(false);
  });

  it('lets only the OWNER make ADMINs, and nobody assign OWNER', () => {
    expect(mayAssignRole('OWNER', 'ADMIN')).toBe(true);
    expect(mayAssignRole('ADMIN', 'ADMIN')).toBe(false);
    expect(mayAssignRole('ADMIN', 'MEMBER')).toBe(true);
    expect(mayAssignRole('OWNER', 'OWNER')).toBe(false);
  });

  it('lets a member manage only members strictly below them', () => {
    expect(mayManageMember('ADMIN', 'MEMBER')).toBe(true);
    expect(mayManageMember('ADMIN', 'ADMIN')).toBe(false);
    expect(mayManageMember('ADMIN', 'OWNER')).toBe(false);
    expect(mayChangeMemberRole('ADMIN', 'VIEWER', 'MEMBER')).toBe(true);
    expect(mayChangeMemberRole('ADMIN', 'VIEWER', 'ADMIN')).toBe(false);
    expect(mayChangeMemberRole('OWNER', 'OWNER', 'ADMIN')).toBe(false);
  });

  it('lets anyone but the OWNER leave', () => {
    expect(mayLeave('OWNER')).toBe(false);
    expect(mayLeave('VIEWER')).toBe(true);
  });
});
