/**
 * The composition root of every function of this service: the security stack publishes its
 * `platform.access` audit events on the bus, and the use cases get DynamoDB and the bus.
 */
import { eventBusPublisher } from '@tenantry/events';
import { configureSecurity } from '@tenantry/security';
import { dynamoRepository } from './data/repository';
import { membershipsService } from './domain/service';

configureSecurity({ eventPublisher: eventBusPublisher });

export const memberships = membershipsService({ repository: dynamoRepository, publisher: eventBusPublisher });
export { route } from '@tenantry/security';
export type { PageQuery } from './domain/ports';
