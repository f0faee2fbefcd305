/** Process-wide wiring of the service, done once per container: the use cases' dependencies. */
import { randomUUID } from 'node:crypto';
import { documentClient } from '@tenantry/dynamo';
import { dynamoAuditRepository } from './data/audit-repository';
import { dynamoBroadcastRepository } from './data/broadcast-repository';
import { eventBridgeContinuationQueue } from './data/continuation-queue';
import { dynamoInboxRepository } from './data/inbox-repository';
import { dynamoMemberDirectory } from './data/member-directory';
import { dynamoEventReceipts } from './data/receipts-repository';
import type { Dependencies } from './domain/ports';

/** `bc_` + 32 hex characters (the `Id` schema). */
export const newBroadcastId = (): string => `bc_${randomUUID().replaceAll('-', '')}`;

/**
 * How long one invocation may spend on a broadcast's deliveries or a read-all before it stops (and,
 * for a broadcast, queues the rest). Well inside the functions' timeouts (serverless.yml).
 */
const DEFAULT_BUDGET_MS = 15_000;

function budgetFromEnv(): number {
  const value = Number(process.env.NOTIFICATIONS_WORK_BUDGET_MS);
  return Number.isFinite(value) && value >= 0 && process.env.NOTIFICATIONS_WORK_BUDGET_MS ? value : DEFAULT_BUDGET_MS;
}

let shared: Dependencies | undefined;

/** The dependencies of this process: DynamoDB, the event bus, the clock. */
export function dependencies(): Dependencies {
  shared ??= {
    inbox: dynamoInboxRepository(documentClient),
    audit: dynamoAuditRepository(documentClient),
    receipts: dynamoEventReceipts(documentClient),
    members: dynamoMemberDirectory(documentClient),
    broadcasts: dynamoBroadcastRepository(documentClient),
    continuations: eventBridgeContinuationQueue,
    now: () => new Date(),
    newId: newBroadcastId,
    // Read per invocation, not once: locally every function of the service shares this process
    // (sls offline --useInProcess) and each brings its own NOTIFICATIONS_WORK_BUDGET_MS.
    get budgetMs() {
      return budgetFromEnv();
    },
  };
  return shared;
}
