import { job } from '@tenantry/security/job';
import { continueBroadcast } from '../../domain/broadcast';
import type { ContinuationMessage } from '../../domain/ports';
import { dependencies } from '../../runtime';

/** The queued continuation of a broadcast that did not finish within its request. */
export const handler = job('continueBroadcast', async (event: { detail: ContinuationMessage }): Promise<void> => {
  await continueBroadcast(dependencies(), event.detail.organizationId, event.detail.broadcastId);
});
