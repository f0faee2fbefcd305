import type { NewDomainEvent } from '@tenantry/events';

/** A domain event as the security layer publishes it (spec §7): `platform.access`. */
export type SecurityEvent = NewDomainEvent;

/** Anything that can publish a domain event; wire `@tenantry/events` here with `configureSecurity`. */
export interface EventPublisher {
  publishEvent(event: SecurityEvent): Promise<unknown>;
}

/** Publishes nothing: for tests that do not look at events. */
export const noopEventPublisher: EventPublisher = {
  publishEvent: async () => undefined,
};
