/** Process-wide wiring of the service, done once per container: the use cases' dependencies. */
import { config } from '@tenantry/config';
import { documentClient } from '@tenantry/dynamo';
import { newId } from '@tenantry/models';
import { dynamoAuditRepository } from './data/audit-repository';
import { dynamoBroadcastRepository } from './data/broadcast-repository';
import { eventBridgeContinuationQueue } from './data/continuation-queue';
import { dynamoInboxRepository } from './data/inbox-repository';
import { dynamoMemberDirectory } from './data/member-directory';
import { dynamoEventReceipts } from './data/receipts-repository';
import type { Dependencies } from './domain/ports';

let shared: Dependencies | undefined;

/** The dependencies of this process: DynamoDB, the event bus, the clock, the ids. */
export function dependencies(): Dependencies {
  shared ??= {
    inbox: dynamoInboxRepository(documentClient()),
    audit: dynamoAuditRepository(documentClient()),
    receipts: dynamoEventReceipts(documentClient()),
    members: dynamoMemberDirectory(documentClient()),
    broadcasts: dynamoBroadcastRepository(documentClient()),
    continuations: eventBridgeContinuationQueue,
    now: () => new Date(),
    newId,
    // How long this invocation may spend on a broadcast's deliveries or a read-all before it stops
    // (and, for a broadcast, queues the rest): the calling function's NOTIFICATIONS_WORK_BUDGET_MS,
    // which @tenantry/config reads at each use (locally every function of the service shares this
    // process, and each brings its own).
    get budgetMs() {
      return config.NOTIFICATIONS_WORK_BUDGET_MS;
    },
  };
  return shared;
}
