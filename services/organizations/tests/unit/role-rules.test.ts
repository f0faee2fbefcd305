// Pure rules of custom roles (contract §9): keys, grantable permissions, limits, the built-in views.
import { describe, expect, it } from '@jest/globals';
import {
  CUSTOM_ROLE_PERMISSIONS,
  OWNER_ONLY_PERMISSIONS,
  type Permission,
  permissionsOfRole,
} from '@tenantry/security';
import { assertCustomKey, assertGrantable, BUILT_IN_ROLE_VIEWS, customRoleLimit } from '../../src/domain/role-rules';

function refusal(fn: () => void) {
  try {
    fn();
  } catch (error) {
    return error as { code: string; details: { field: string; message: string }[] };
  }
  return undefined;
}

describe('assertCustomKey', () => {
  it.each(['owner', 'admin', 'member', 'viewer'])('refuses the built-in name %s on /key', (key) => {
    expect(refusal(() => assertCustomKey(key))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: '/key', message: expect.stringContaining(key.toUpperCase()) }],
    });
  });

  it('accepts any other key', () => {
    expect(refusal(() => assertCustomKey('auditor'))).toBeUndefined();
    expect(refusal(() => assertCustomKey('admins'))).toBeUndefined();
  });
});

describe('assertGrantable', () => {
  it('accepts every permission a custom role may hold, all at once', () => {
    expect(refusal(() => assertGrantable(CUSTOM_ROLE_PERMISSIONS))).toBeUndefined();
  });

  it('names each OWNER-only permission and each one no member holds, by its index', () => {
    const asked: Permission[] = [
      'audit:read',
      'roles:manage',
      'plan:change',
      'ownership:transfer',
      'applications:self',
    ];

    expect(refusal(() => assertGrantable(asked))?.details).toEqual([
      { field: '/permissions/1', message: 'roles:manage is held only by the OWNER' },
      { field: '/permissions/2', message: 'plan:change is held by no member role (platform or API key only)' },
      { field: '/permissions/3', message: 'ownership:transfer is held only by the OWNER' },
      { field: '/permissions/4', message: 'applications:self is held by no member role (platform or API key only)' },
    ]);
  });

  it.each(OWNER_ONLY_PERMISSIONS)('refuses the OWNER-only %s', (permission) => {
    expect(refusal(() => assertGrantable([permission]))?.code).toBe('VALIDATION_FAILED');
  });
});

describe('customRoleLimit', () => {
  it('is the plan table of contract §9', () => {
    expect(['STARTER', 'PRO', 'ENTERPRISE'].map(customRoleLimit)).toEqual([0, 10, 50]);
  });
});

describe('BUILT_IN_ROLE_VIEWS', () => {
  it('lists the four built-in roles strongest first, with the permissions their rank reaches', () => {
    expect(BUILT_IN_ROLE_VIEWS.map((role) => [role.key, role.baseRole, role.builtIn, role.permissions])).toEqual(
      (['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const).map((key) => [key, key, true, [...permissionsOfRole(key)]]),
    );
  });
});
