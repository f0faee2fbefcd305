import type { ContinuationMessage } from '../../data/continuation-queue';
import { continueBroadcast } from '../../domain/broadcast';
import { dependencies } from '../../runtime';

/** The queued continuation of a broadcast that did not finish within its request. */
export const handler = async (event: { detail: ContinuationMessage }): Promise<void> => {
  await continueBroadcast(dependencies(), event.detail.organizationId, event.detail.broadcastId);
};
