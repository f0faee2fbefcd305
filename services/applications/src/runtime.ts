/** Process-wide wiring of the service, done once per container: the use cases' dependencies. */
import { organizationKeys } from '@tenantry/crypto';
import { dynamoEventOutbox } from '@tenantry/events';
import { dynamoApplicationRepository } from './data/application-repository';
import { dynamoSecretRepository } from './data/secret-repository';
import type { Dependencies } from './domain/ports';
import { newApplicationId } from './domain/rules';

let shared: Dependencies | undefined;

/**
 * The dependencies of this process: DynamoDB, `@tenantry/crypto` (data keys cached ≤ 5 minutes),
 * the event bus, the clock. API keys are verified by the security layer's default resolver
 * (`apiKeyResolver` of `@tenantry/security`): no configuration here.
 */
export function dependencies(): Dependencies {
  shared ??= {
    applications: dynamoApplicationRepository(),
    secrets: dynamoSecretRepository(),
    keys: organizationKeys(),
    events: dynamoEventOutbox(),
    now: () => new Date(),
    newId: () => newApplicationId(),
  };
  return shared;
}
