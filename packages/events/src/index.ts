export type { Actor, BusEvent, DomainEvent, NewDomainEvent } from './envelope';
export { SOURCE_PREFIX, sourceOf } from './envelope';
export {
  dynamoEventOutbox,
  type EventOutbox,
  newEvent,
  OUTBOX_ENTITY,
  OUTBOX_PREFIX,
  outboxItem,
  outboxKey,
  outboxPut,
  ownTable,
} from './outbox';
