// The custom role use cases with fake repositories: how each outcome of a write is answered
// (contract §8, §9), where HTTP cannot force the outcome (a concurrent update, a race with a suspension).
import { describe, expect, it, jest } from '@jest/globals';
import type { NewDomainEvent } from '@tenantry/events';
import type { OrganizationSecurityContext } from '@tenantry/security';
import type { OrganizationState, RoleState } from '../../src/domain/model';
import type { Dependencies, OrganizationRepository, RoleRepository } from '../../src/domain/ports';
import { createRole, deleteRole, updateRole } from '../../src/domain/roles';

const at = '2026-01-01T00:00:00.000Z';

const stored: RoleState = {
  key: 'auditor',
  name: 'Auditor',
  baseRole: 'VIEWER',
  permissions: ['audit:read'],
  holders: 0,
  version: 4,
  createdAt: at,
  updatedAt: at,
};

const context = {
  scope: 'organization',
  organizationId: 'org_1',
  organization: { id: 'org_1', status: 'ACTIVE', plan: 'PRO' },
  principal: { kind: 'user', id: 'u1', groups: [] },
  access: 'member',
} as unknown as OrganizationSecurityContext;

function fakes(roles: Partial<RoleRepository>, organization?: Partial<OrganizationState>) {
  const recorded: NewDomainEvent[] = [];
  const deps = {
    roles: roles as RoleRepository,
    organizations: { find: async () => organization } as unknown as OrganizationRepository,
    events: { record: async (events: NewDomainEvent[]) => void recorded.push(...events) },
    now: () => new Date(at),
  } as unknown as Dependencies;
  return { deps, recorded };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: string }) => error.code,
  );

describe('updateRole', () => {
  it('reads again and reapplies the change when another update won meanwhile', async () => {
    const update = jest.fn<RoleRepository['update']>().mockResolvedValueOnce('stale').mockResolvedValueOnce('ok');
    const { deps } = fakes({ find: async () => stored, update });

    const view = await updateRole(deps, context, 'auditor', { permissions: ['members:read'] });

    expect(view.permissions).toEqual(['members:read']);
    expect(update.mock.calls.map(([, version, next]) => [version, next.version])).toEqual([
      [4, 5],
      [4, 5],
    ]);
  });

  it('answers 409 when other updates keep winning', async () => {
    const update = jest.fn<RoleRepository['update']>().mockResolvedValue('stale');
    const { deps } = fakes({ find: async () => stored, update });

    expect(await codeOf(updateRole(deps, context, 'auditor', { name: 'X' }))).toBe('CONFLICT');
    expect(update).toHaveBeenCalledTimes(3);
  });

  it('answers 404 for a role deleted between two attempts', async () => {
    const find = jest.fn<RoleRepository['find']>().mockResolvedValueOnce(stored).mockResolvedValueOnce(undefined);
    const { deps } = fakes({ find, update: async () => 'stale' });

    expect(await codeOf(updateRole(deps, context, 'auditor', { name: 'X' }))).toBe('NOT_FOUND');
  });

  it('answers 403 ORGANIZATION_SUSPENDED when the organization was suspended meanwhile', async () => {
    const { deps } = fakes({ find: async () => stored, update: async () => 'changed' }, { status: 'SUSPENDED' });

    expect(await codeOf(updateRole(deps, context, 'auditor', { name: 'X' }))).toBe('ORGANIZATION_SUSPENDED');
  });

  it('never writes a built-in role', async () => {
    const update = jest.fn<RoleRepository['update']>();
    const { deps } = fakes({ update });

    expect(await codeOf(updateRole(deps, context, 'ADMIN', { name: 'Boss' }))).toBe('CONFLICT');
    expect(update).not.toHaveBeenCalled();
  });
});

describe('createRole', () => {
  const body = { key: 'auditor', name: 'Auditor', baseRole: 'VIEWER' as const, permissions: ['audit:read' as const] };

  it('records plan.limit_reached with the limit of the plan, then answers 403 PLAN_LIMIT_REACHED', async () => {
    const { deps, recorded } = fakes({ create: async () => 'limit' });

    expect(await codeOf(createRole(deps, context, body))).toBe('PLAN_LIMIT_REACHED');
    expect(recorded.map((event) => [event.type, event.data])).toEqual([
      ['plan.limit_reached', { resource: 'customRoles', plan: 'PRO', limit: 10, attempted: 'role.create' }],
    ]);
  });

  it('hands the repository the role.created event with the role it writes', async () => {
    const create = jest.fn<RoleRepository['create']>().mockResolvedValue('ok');
    const { deps } = fakes({ create });

    await createRole(deps, context, body);

    expect(create.mock.calls[0]?.[3]).toMatchObject({
      type: 'role.created',
      organizationId: 'org_1',
      data: { roleKey: 'auditor', baseRole: 'VIEWER', permissions: ['audit:read'] },
    });
  });
});

describe('deleteRole', () => {
  it.each([
    [1, '1 member or pending invitation holds the role auditor'],
    [3, '3 members or pending invitations hold the role auditor'],
  ])('names how many hold it (%i)', async (held, message) => {
    const { deps } = fakes({ delete: async () => ({ held }) });

    await expect(deleteRole(deps, context, 'auditor')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(message),
    });
  });
});
