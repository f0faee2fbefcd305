/** Who caused an event (spec §7). */
export interface Actor {
  kind: 'user' | 'application' | 'platform';
  id: string;
}

/** The envelope of every domain event on the bus: the EventBridge `detail`. */
export interface DomainEvent<Data = Record<string, unknown>> {
  id: string;
  type: string;
  occurredAt: string;
  organizationId: string;
  actor: Actor;
  data: Data;
}

/** What a publisher supplies; the id and timestamp are the publisher's. */
export type NewDomainEvent<Data = Record<string, unknown>> = Omit<DomainEvent<Data>, 'id' | 'occurredAt'>;

/** The EventBridge event a subscriber function receives. */
export interface BusEvent<Data = Record<string, unknown>> {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  detail: DomainEvent<Data>;
}

/** EventBridge `source` of every Tenantry event: `tenantry.<service>`. */
export const SOURCE_PREFIX = 'tenantry.';
