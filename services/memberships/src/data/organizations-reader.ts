/** The organization items this service shows next to memberships and invitations (organizations table, read-only). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, organizationKey, tables } from '@tenantry/dynamo';
import type { OrganizationSummary } from '../domain/model';
import type { OrganizationsReader } from '../domain/ports';
import { toOrganizationSummary } from './items';

export function dynamoOrganizationsReader(client: DynamoDBDocumentClient): OrganizationsReader {
  return {
    async summaries(organizationIds) {
      const found = new Map<string, OrganizationSummary>();
      if (organizationIds.length === 0) return found;
      const table = tables.organizations();
      const items = await batchGetAll(client, {
        [table]: {
          Keys: organizationIds.map(organizationKey),
          ProjectionExpression: 'id, #name, slug, #status, #plan, ownerId, organizationId',
          ExpressionAttributeNames: { '#name': 'name', '#status': 'status', '#plan': 'plan' },
        },
      });
      for (const item of items[table] ?? []) {
        const organization = toOrganizationSummary(item);
        found.set(organization.id, organization);
      }
      return found;
    },
  };
}
