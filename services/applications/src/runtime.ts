/** Process-wide wiring of the service, done once per container: the use cases' dependencies. */
import { organizationKeys } from '@tenantry/crypto';
import { documentClient } from '@tenantry/dynamo';
import { dynamoEventOutbox } from '@tenantry/events';
import { newId } from '@tenantry/models';
import type { PrefetchKey } from '@tenantry/security';
import { applicationOfItem, applicationPrefetch, dynamoApplicationRepository } from './data/application-repository';
import { dynamoSecretRepository } from './data/secret-repository';
import type { Dependencies } from './domain/ports';

let shared: Dependencies | undefined;

/**
 * The dependencies of this process: DynamoDB, `@tenantry/crypto` (data keys cached ≤ 5 minutes),
 * the event bus, the clock, the ids. API keys are verified by the security layer's default resolver
 * (`apiKeyResolver` of `@tenantry/security`): no configuration here.
 */
export function dependencies(): Dependencies {
  shared ??= {
    applications: dynamoApplicationRepository(documentClient()),
    secrets: dynamoSecretRepository(documentClient()),
    keys: organizationKeys(),
    events: dynamoEventOutbox(),
    now: () => new Date(),
    newId,
  };
  return shared;
}

/**
 * The application of the path's `{appId}`, read by the security layer with the organization and the
 * membership (one round trip): `keys` is the route's `prefetch`, `of` the state of what it read.
 */
export const prefetchedApplication = {
  keys: (organizationId: string, params: Readonly<Record<string, string>>): PrefetchKey[] => [
    applicationPrefetch(organizationId, params.appId!),
  ],
  of: ([item]: ReadonlyArray<Record<string, unknown> | undefined>) => applicationOfItem(item),
};
