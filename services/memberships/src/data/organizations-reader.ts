/** The organization items this service shows next to memberships and invitations (organizations table, read-only). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, membershipKey, organizationKey, tables } from '@tenantry/dynamo';
import type { CustomRoles } from '@tenantry/security';
import type { OrganizationSummary } from '../domain/model';
import type { OrganizationsReader } from '../domain/ports';
import { toMembershipRecord, toOrganizationSummary } from './items';

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

    async access(organizationId, userId) {
      const found = await batchGetAll(client, {
        [tables.organizations()]: {
          Keys: [organizationKey(organizationId)],
          ProjectionExpression: '#status, #roles',
          ExpressionAttributeNames: { '#status': 'status', '#roles': 'roles' },
          ConsistentRead: true,
        },
        [tables.memberships()]: { Keys: [membershipKey(organizationId, userId)], ConsistentRead: true },
      });
      const organization = found[tables.organizations()]?.[0];
      const membership = found[tables.memberships()]?.[0];
      return {
        organization: organization
          ? { status: organization.status as OrganizationSummary['status'], roles: organization.roles as CustomRoles }
          : undefined,
        membership: membership?.status === 'ACTIVE' ? toMembershipRecord(membership) : undefined,
      };
    },
  };
}
