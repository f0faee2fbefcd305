/**
 * Recipients from the memberships table (read only): ONE query of the organization's partition
 * (`ORG#<orgId>`, `MEMBER#…`), filtered to ACTIVE members (and roles when asked). No scan, no index.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { organizationPk, queryAll, tables } from '@tenantry/dynamo';
import type { OrganizationRole } from '@tenantry/models';
import type { MemberDirectory } from '../domain/ports';

const MEMBER_PREFIX = 'MEMBER#';

export function dynamoMemberDirectory(client: DynamoDBDocumentClient): MemberDirectory {
  return {
    async activeMembers(organizationId, roles?: readonly OrganizationRole[]) {
      const roleValues = Object.fromEntries((roles ?? []).map((role, index) => [`:role${index}`, role]));
      const items = await queryAll(client, {
        TableName: tables.memberships(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
        FilterExpression:
          roles && roles.length > 0
            ? `#status = :active AND #role IN (${Object.keys(roleValues).join(', ')})`
            : '#status = :active',
        ProjectionExpression: 'userId, #role, #status',
        ExpressionAttributeNames: { '#status': 'status', '#role': 'role' },
        ExpressionAttributeValues: {
          ':pk': organizationPk(organizationId),
          ':member': MEMBER_PREFIX,
          ':active': 'ACTIVE',
          ...roleValues,
        },
        ConsistentRead: true,
      });
      return items.map((item) => ({ userId: String(item.userId), role: item.role as OrganizationRole }));
    },
  };
}
