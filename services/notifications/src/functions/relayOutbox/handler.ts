import { outboxRelay } from '@tenantry/events/relay';
import { job } from '@tenantry/security/job';

/** This service's transactional outbox onto the bus (docs/adr/0002-transactional-outbox.md). */
export const handler = job('relayOutbox', outboxRelay());
