import type { BusEvent } from '@tenantry/events';
import { notifyRecipients } from '../../domain/consumers';
import { dependencies } from '../../runtime';

/** The §7 events that notify someone, into their inboxes; idempotent on the event id. */
export const handler = async (event: BusEvent): Promise<void> => {
  await notifyRecipients(dependencies(), event.detail);
};
