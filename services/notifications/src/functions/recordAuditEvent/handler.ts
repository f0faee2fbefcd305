import type { BusEvent } from '@tenantry/events';
import { appendAuditEvent } from '../../data/auditLog';

export const handler = async (event: BusEvent): Promise<void> => {
  await appendAuditEvent(event.detail);
};
