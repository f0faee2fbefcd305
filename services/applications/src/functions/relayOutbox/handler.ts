import { outboxRelay } from '@tenantry/events/relay';

/** This service's transactional outbox onto the bus (docs/adr/0002-transactional-outbox.md). */
export const handler = outboxRelay();
