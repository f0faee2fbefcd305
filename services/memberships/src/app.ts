/** The composition root of every function of this service: the use cases get DynamoDB and the bus. */
import { eventBusPublisher } from '@tenantry/events';
import { dynamoRepository } from './data/repository';
import { membershipsService } from './domain/service';

export const memberships = membershipsService({ repository: dynamoRepository, publisher: eventBusPublisher });
export { route } from '@tenantry/security';
