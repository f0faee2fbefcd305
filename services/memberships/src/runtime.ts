/** Process-wide wiring of the service, done once per container on first use: the use cases' dependencies. */
import { documentClient } from '@tenantry/dynamo';
import { dynamoEventOutbox } from '@tenantry/events';
import { newId } from '@tenantry/models';
import { dynamoInvitationsRepository } from './data/invitations-repository';
import { dynamoMembersRepository } from './data/members-repository';
import { dynamoOrganizationsReader } from './data/organizations-reader';
import type { Dependencies } from './domain/ports';

let shared: Dependencies | undefined;

/** The dependencies of this process: DynamoDB, the outbox, the clock, the ids. */
export function dependencies(): Dependencies {
  shared ??= {
    members: dynamoMembersRepository(documentClient()),
    invitations: dynamoInvitationsRepository(documentClient()),
    organizations: dynamoOrganizationsReader(documentClient()),
    events: dynamoEventOutbox(),
    now: () => new Date(),
    newId,
  };
  return shared;
}
