import type { BusEvent } from '@tenantry/events';
import { job } from '@tenantry/security/job';
import { recordAuditEvent } from '../../domain/consumers';
import { dependencies } from '../../runtime';

/** Every domain event of every service, once per event id, into its organization's audit log. */
export const handler = job('recordAuditEvent', async (event: BusEvent): Promise<void> => {
  await recordAuditEvent(dependencies(), event.detail);
});
