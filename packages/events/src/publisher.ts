import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, type NewDomainEvent, SOURCE_PREFIX } from './envelope';

/** PutEvents takes at most 10 entries per call. */
const BATCH_SIZE = 10;

export interface EventPublisher {
  publish(events: NewDomainEvent[]): Promise<DomainEvent[]>;
}

let shared: EventBridgeClient | undefined;
const client = () => {
  const endpoint = process.env.EVENTBRIDGE_ENDPOINT;
  // Once per container; a bus that does not answer is a TimeoutError (→ 503), not a hung function.
  shared ??= new EventBridgeClient({
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, socketTimeout: 3000 },
  });
  return shared;
};

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** `tenantry.organizations` for the service `tenantry-organizations`. */
export const sourceOf = (serviceName: string): string => `${SOURCE_PREFIX}${serviceName.replace(/^tenantry-/, '')}`;

/**
 * Publishes domain events on the bus named by `EVENT_BUS_NAME` (EventBridge deployed, the local bus
 * under `npm start`). Each gets an id and a timestamp; a failed entry is an error, never silent.
 */
export const eventBusPublisher: EventPublisher = {
  async publish(events) {
    const source = sourceOf(requiredEnv('POWERTOOLS_SERVICE_NAME'));
    const eventBusName = requiredEnv('EVENT_BUS_NAME');
    const published: DomainEvent[] = events.map((event) => ({
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      ...event,
    }));
    for (let start = 0; start < published.length; start += BATCH_SIZE) {
      const batch = published.slice(start, start + BATCH_SIZE);
      const result = await client().send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: eventBusName,
            Source: source,
            DetailType: event.type,
            Detail: JSON.stringify(event),
          })),
        }),
      );
      if (result.FailedEntryCount) {
        const reasons = result.Entries?.map((entry) => entry.ErrorMessage).filter(Boolean);
        throw new Error(`event bus refused ${result.FailedEntryCount} event(s): ${reasons?.join('; ')}`);
      }
    }
    return published;
  },
};
