import type { BusEvent } from '@tenantry/events';
import { job } from '@tenantry/security/job';
import { notifyRecipients } from '../../domain/consumers';
import { dependencies } from '../../runtime';

/** The §7 events that notify someone, into their inboxes; idempotent on the event id. */
export const handler = job('notifyRecipients', async (event: BusEvent): Promise<void> => {
  await notifyRecipients(dependencies(), event.detail);
});
