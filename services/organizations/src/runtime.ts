/** Process-wide wiring of the service, done once per container: the use cases' dependencies. */
import { randomBytes } from 'node:crypto';
import { organizationKeys } from '@tenantry/crypto';
import { documentClient } from '@tenantry/dynamo';
import { dynamoEventOutbox } from '@tenantry/events';
import { newId } from '@tenantry/models';
import type { PrefetchKey } from '@tenantry/security';
import { usageOfItem, usagePrefetch } from './data/items';
import { dynamoOrganizationRepository } from './data/organization-repository';
import { dynamoPurgeRepository } from './data/purge';
import { dynamoRoleRepository } from './data/role-repository';
import type { Dependencies } from './domain/ports';

let shared: Dependencies | undefined;

/** The dependencies of this process, built on first use: DynamoDB, the outbox, `@tenantry/crypto`, the clock, the ids. */
export function dependencies(): Dependencies {
  shared ??= {
    organizations: dynamoOrganizationRepository(documentClient()),
    roles: dynamoRoleRepository(documentClient()),
    purge: dynamoPurgeRepository(documentClient()),
    events: dynamoEventOutbox(),
    keys: organizationKeys(),
    now: () => new Date(),
    newId,
    random: () => randomBytes(4).toString('hex'),
  };
  return shared;
}

/**
 * The organization's usage, read by the security layer with the organization and the membership
 * (one round trip): `keys` is the route's `prefetch`, `of` the usage of what it read.
 */
export const prefetchedUsage = {
  keys: (organizationId: string): PrefetchKey[] => [usagePrefetch(organizationId)],
  of: ([item]: ReadonlyArray<Record<string, unknown> | undefined>) => usageOfItem(item),
};
