/** Process-wide wiring of the service, done once per container on first use: the use cases' dependencies. */
import { dynamoEventOutbox } from '@tenantry/events';
import { dynamoInvitationsRepository } from './data/invitations-repository';
import { dynamoMembersRepository } from './data/members-repository';
import { dynamoOrganizationsReader } from './data/organizations-reader';
import type { Dependencies } from './domain/ports';

let shared: Dependencies | undefined;

/** The dependencies of this process: DynamoDB, the outbox, the clock. */
export function dependencies(): Dependencies {
  shared ??= {
    members: dynamoMembersRepository(),
    invitations: dynamoInvitationsRepository(),
    organizations: dynamoOrganizationsReader(),
    events: dynamoEventOutbox(),
    now: () => new Date(),
  };
  return shared;
}
