// The use cases with fakes for the repository, the bus and the key service: events follow writes,
// slugs are retried only when made from the name, and purge failures do not stop the others.

import { describe, expect, it, jest } from '@jest/globals';
import { ConflictError } from '@tenantry/errors';
import type { NewDomainEvent } from '@tenantry/events';
import type { UserSecurityContext } from '@tenantry/security';
import type { OrganizationState } from '../../src/domain/model';
import { createOrganization, purgeDueOrganizations } from '../../src/domain/organizations';
import { type Dependencies, type OrganizationRepository, SlugTakenError } from '../../src/domain/ports';

const context = {
  scope: 'user',
  action: 'organization:create',
  requestId: 'r1',
  platformGroups: [],
  principal: { kind: 'user', id: 'u1', email: 'u1@example.test', emailVerified: true, groups: [] },
  access: 'user',
} as UserSecurityContext;

function fakes(repository: Partial<OrganizationRepository>) {
  const published: NewDomainEvent[] = [];
  const deps: Dependencies = {
    repository: repository as OrganizationRepository,
    events: {
      publish: async (events) => {
        published.push(...events);
        return [];
      },
    },
    keys: {
      createOrganizationKey: jest.fn(async () => ({
        keyId: 'local/platform',
        encryptedDataKey: 'AAAA',
        mode: 'platform' as const,
      })),
      forgetOrganization: jest.fn<Dependencies['keys']['forgetOrganization']>(),
    },
    now: () => new Date('2025-01-01T00:00:00.000Z'),
    newId: () => 'org_1',
    random: () => 'abc123',
  };
  return { deps, published };
}

describe('createOrganization', () => {
  it('stores the data key with the organization and publishes organization.created after the write', async () => {
    const stored: OrganizationState[] = [];
    const { deps, published } = fakes({
      create: async (organization) => {
        expect(published).toEqual([]);
        stored.push(organization);
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
    const create = jest
      .fn<OrganizationRepository['create']>()
      .mockRejectedValueOnce(new SlugTakenError('acme'))
      .mockResolvedValue(undefined);
    const { deps } = fakes({ create });
    const view = await createOrganization(deps, context, { name: 'Acme' });
    expect(view.slug).toBe('acme-abc123');
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('answers 409 at once for an explicit slug that is taken, and publishes nothing', async () => {
    const create = jest.fn<OrganizationRepository['create']>().mockRejectedValue(new SlugTakenError('acme'));
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
    const { deps } = fakes({
      dueForPurge: async () => ['org_a', 'org_b', 'org_c'],
      purge: async (id) => {
        if (id === 'org_b') throw new Error('throttled');
        return { organizationId: id, purged: true, deletedItems: 3 };
      },
    });
    const result = await purgeDueOrganizations(deps);
    expect(result).toEqual({ purged: ['org_a', 'org_c'], failed: ['org_b'] });
    expect(deps.keys.forgetOrganization).toHaveBeenCalledWith('org_a');
    expect(deps.keys.forgetOrganization).toHaveBeenCalledWith('org_c');
  });
});
