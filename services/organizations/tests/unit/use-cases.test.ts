// The use cases with fakes for the repositories, the outbox and the key service: events ride on writes,
// slugs are retried only when made from the name, a write's outcome is explained from the
// organization as it is now, and purge failures do not stop the others.

import { describe, expect, it, jest } from '@jest/globals';
import { ConflictError, NotFoundError, OrganizationSuspendedError } from '@tenantry/errors';
import type { NewDomainEvent } from '@tenantry/events';
import type { OrganizationSecurityContext, UserSecurityContext } from '@tenantry/security';
import type { OrganizationState } from '../../src/domain/model';
import {
  createOrganization,
  purgeDueOrganizations,
  suspendOrganization,
  transferOwnership,
  updateOrganization,
} from '../../src/domain/organizations';
import type { Dependencies, OrganizationRepository, PurgeRepository, RoleRepository } from '../../src/domain/ports';

const context = {
  scope: 'user',
  action: 'organization:create',
  requestId: 'r1',
  platformGroups: [],
  principal: { kind: 'user', id: 'u1', email: 'u1@example.test', emailVerified: true, groups: [] },
  access: 'user',
} as UserSecurityContext;

const organization: OrganizationState = {
  id: 'org_1',
  name: 'Acme',
  slug: 'acme',
  status: 'ACTIVE',
  plan: 'STARTER',
  ownerId: 'u1',
  metadata: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

/** The context of an OWNER member of `organization`, as the security layer builds it. */
const ownerContext = {
  scope: 'organization',
  action: 'organization:update',
  requestId: 'r2',
  platformGroups: [],
  principal: { kind: 'user', id: 'u1', email: 'u1@example.test', emailVerified: true, groups: [] },
  organizationId: 'org_1',
  organization,
  membership: undefined,
  role: 'OWNER',
  access: 'member',
} as unknown as OrganizationSecurityContext;

const isEvent = (value: unknown): value is NewDomainEvent =>
  typeof value === 'object' && value !== null && 'type' in value && 'actor' in value;

/**
 * The fake repository's writes, each keeping the event it was handed when the write succeeded: what
 * the real repository stores in the outbox in the same transaction.
 */
function recordingWrites(organizations: Partial<OrganizationRepository>, published: NewDomainEvent[]) {
  const wrapped: Record<string, unknown> = {};
  for (const [name, write] of Object.entries(organizations)) {
    wrapped[name] = async (...args: unknown[]) => {
      const outcome = await (write as (...args: unknown[]) => Promise<unknown>)(...args);
      const event = args.at(-1);
      if (isEvent(event) && !['changed', 'taken'].includes(outcome as string)) published.push(event);
      return outcome;
    };
  }
  return wrapped as unknown as OrganizationRepository;
}

function fakes(organizations: Partial<OrganizationRepository>, purge: Partial<PurgeRepository> = {}) {
  const published: NewDomainEvent[] = [];
  const deps: Dependencies = {
    organizations: recordingWrites(organizations, published),
    roles: {} as RoleRepository,
    purge: purge as PurgeRepository,
    events: {
      record: async (events) => {
        published.push(...events);
      },
    },
    keys: {
      createOrganizationKey: jest.fn(async () => ({
        keyId: 'local/platform',
        encryptedDataKey: 'AAAA',
        mode: 'platform' as const,
      })),
      rewrapOrganizationKey: jest.fn<Dependencies['keys']['rewrapOrganizationKey']>(),
      provisionDedicatedKey: jest.fn<Dependencies['keys']['provisionDedicatedKey']>(),
      seal: jest.fn<Dependencies['keys']['seal']>(),
      openText: jest.fn<Dependencies['keys']['openText']>(),
      forgetOrganization: jest.fn<Dependencies['keys']['forgetOrganization']>(),
    },
    now: () => new Date('2025-01-01T00:00:00.000Z'),
    newId: () => 'org_1',
    random: () => 'abc123',
  };
  return { deps, published };
}

describe('createOrganization', () => {
  it('stores the data key with the organization and hands organization.created to the same write', async () => {
    const stored: OrganizationState[] = [];
    const { deps, published } = fakes({
      create: async (organization) => {
        expect(published).toEqual([]);
        stored.push(organization);
        return 'ok';
      },
    });

    const view = await createOrganization(deps, context, { name: 'Acme' });

    expect(stored[0]).toMatchObject({
      id: 'org_1',
      slug: 'acme',
      plan: 'STARTER',
      ownerId: 'u1',
      dataKey: { keyId: 'local/platform' },
    });
    expect(view).toMatchObject({ id: 'org_1', usage: { members: 1, applications: 0 } });
    expect(view).not.toHaveProperty('dataKey');
    expect(published).toEqual([
      expect.objectContaining({
        type: 'organization.created',
        organizationId: 'org_1',
        actor: { kind: 'user', id: 'u1' },
      }),
    ]);
  });

  it('tries a suffixed slug when the one made from the name is taken', async () => {
    const create = jest.fn<OrganizationRepository['create']>().mockResolvedValueOnce('taken').mockResolvedValue('ok');
    const { deps } = fakes({ create });
    const view = await createOrganization(deps, context, { name: 'Acme' });
    expect(view.slug).toBe('acme-abc123');
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('answers 409 at once for an explicit slug that is taken, and publishes nothing', async () => {
    const create = jest.fn<OrganizationRepository['create']>().mockResolvedValue('taken');
    const { deps, published } = fakes({ create });
    await expect(createOrganization(deps, context, { name: 'Acme', slug: 'acme' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(create).toHaveBeenCalledTimes(1);
    expect(published).toEqual([]);
  });
});

describe('purgeDueOrganizations', () => {
  it('purges every due organization, forgets its key, and reports the ones that failed', async () => {
    const { deps } = fakes(
      {},
      {
        dueForPurge: async () => ['org_a', 'org_b', 'org_c'],
        purge: async (id) => {
          if (id === 'org_b') throw new Error('throttled');
          return { organizationId: id, purged: true, deletedItems: 3 };
        },
      },
    );
    const result = await purgeDueOrganizations(deps);
    expect(result).toEqual({ purged: ['org_a', 'org_c'], failed: ['org_b'] });
    expect(deps.keys.forgetOrganization).toHaveBeenCalledWith('org_a');
    expect(deps.keys.forgetOrganization).toHaveBeenCalledWith('org_c');
  });
});

describe('a conditional write that found the organization changed', () => {
  it('answers 403 ORGANIZATION_SUSPENDED when it was suspended meanwhile, and publishes nothing', async () => {
    const { deps, published } = fakes({
      updateDetails: async () => 'changed',
      find: async () => ({ ...organization, status: 'SUSPENDED' }),
    });
    await expect(updateOrganization(deps, ownerContext, { name: 'New' })).rejects.toBeInstanceOf(
      OrganizationSuspendedError,
    );
    expect(published).toEqual([]);
  });

  it('answers 404 when it was deleted meanwhile', async () => {
    const { deps } = fakes({
      suspend: async () => 'changed',
      find: async () => ({ ...organization, status: 'DELETED' }),
    });
    await expect(suspendOrganization(deps, ownerContext)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 409 when it is still ACTIVE (a concurrent change)', async () => {
    const { deps } = fakes({ updateDetails: async () => 'changed', find: async () => organization });
    await expect(updateOrganization(deps, ownerContext, { name: 'New' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('answers 404 for a transfer whose target stopped being an ACTIVE member', async () => {
    const statuses = ['ACTIVE', 'REMOVED'];
    const { deps, published } = fakes({
      membership: async () => ({ userId: 'u2', status: statuses.shift() ?? 'REMOVED', role: 'ADMIN' }),
      transferOwnership: async () => 'changed',
      find: async () => organization,
    });
    await expect(transferOwnership(deps, ownerContext, { userId: 'u2' })).rejects.toBeInstanceOf(NotFoundError);
    expect(published).toEqual([]);
  });

  it('answers 409 to the loser of two transfers to the same target, now its OWNER', async () => {
    const roles = ['ADMIN', 'OWNER'];
    const { deps, published } = fakes({
      membership: async () => ({ userId: 'u2', status: 'ACTIVE', role: roles.shift() ?? 'OWNER' }),
      transferOwnership: async () => 'changed',
      find: async () => ({ ...organization, ownerId: 'u2' }),
    });
    await expect(transferOwnership(deps, ownerContext, { userId: 'u2' })).rejects.toBeInstanceOf(ConflictError);
    expect(published).toEqual([]);
  });
});
