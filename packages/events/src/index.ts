export type { Actor, BusEvent, DomainEvent, NewDomainEvent } from './envelope';
export { SOURCE_PREFIX } from './envelope';
export { type EventPublisher, eventBusPublisher, sourceOf } from './publisher';
