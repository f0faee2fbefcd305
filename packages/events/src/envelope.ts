import type { Event, EventType } from '@tenantry/models';

export type { Actor } from '@tenantry/models';

/** The envelope of every domain event on the bus (schemas/entities/event.yaml): the EventBridge `detail`. */
export type DomainEvent = Event;

/** What a publisher supplies; the id and timestamp are the publisher's. */
export type NewDomainEvent = Omit<Event, 'id' | 'occurredAt'>;

/** The EventBridge event a subscriber function receives. */
export interface BusEvent {
  id: string;
  'detail-type': EventType;
  source: string;
  time: string;
  detail: Event;
}

/** EventBridge `source` of every Tenantry event: `tenantry.<service>`. */
export const SOURCE_PREFIX = 'tenantry.';

/** `tenantry.organizations` for the service `tenantry-organizations`. */
export const sourceOf = (serviceName: string): string => `${SOURCE_PREFIX}${serviceName.replace(/^tenantry-/, '')}`;
