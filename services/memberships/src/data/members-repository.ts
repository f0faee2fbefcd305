/**
 * Memberships (memberships table, `ORG#<orgId>` / `MEMBER#<userId>`, gsi1 `USER#<userId>`). Every
 * write is pinned to the tenant with the `@tenantry/security` helpers and stores its §7 event in this
 * table's outbox in the same transaction; reads that decide something are strongly consistent.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  emailClaimItem,
  type Item,
  membershipKey,
  organizationPk,
  type Page,
  queryPage,
  tables,
  transactWrite,
} from '@tenantry/dynamo';
import { outboxPut } from '@tenantry/events';
import { tenantTransactWrite } from '@tenantry/security';
import type { MembersRepository } from '../domain/ports';
import { claimOfMember, memberHasRole, memberIsActive, memberIsRemovable } from './conditions';
import { moveHolders, toMembershipRecord, usageUpdate } from './items';
import { MEMBER_PREFIX, ORGANIZATION_PREFIX, userPk } from './keys';

export function dynamoMembersRepository(client: DynamoDBDocumentClient): MembersRepository {
  const activeOnly = {
    FilterExpression: memberIsActive,
    ExpressionAttributeNames: { '#status': 'status' },
  };
  const mapPage = (page: Page<Item>) => ({
    items: page.items.map(toMembershipRecord),
    nextCursor: page.nextCursor,
  });

  return {
    async get(organizationId, userId) {
      const { Item: item } = await client.send(
        new GetCommand({
          TableName: tables.memberships(),
          Key: membershipKey(organizationId, userId),
          ConsistentRead: true,
        }),
      );
      return item && item.status === 'ACTIVE' ? toMembershipRecord(item) : undefined;
    },

    async list(organizationId, page) {
      const pk = organizationPk(organizationId);
      return mapPage(
        await queryPage(
          client,
          {
            TableName: tables.memberships(),
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ...activeOnly,
            ExpressionAttributeValues: { ':pk': pk, ':prefix': MEMBER_PREFIX, ':active': 'ACTIVE' },
            ConsistentRead: true,
          },
          { ...page, shape: { equals: { pk }, prefixes: { sk: MEMBER_PREFIX } } },
        ),
      );
    },

    async listOfUser(userId, page) {
      const gsi1pk = userPk(userId);
      return mapPage(
        await queryPage(
          client,
          {
            TableName: tables.memberships(),
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            ...activeOnly,
            ExpressionAttributeValues: { ':pk': gsi1pk, ':active': 'ACTIVE' },
          },
          {
            ...page,
            shape: {
              equals: { gsi1pk, sk: `${MEMBER_PREFIX}${userId}` },
              prefixes: { gsi1sk: ORGANIZATION_PREFIX, pk: ORGANIZATION_PREFIX },
              check: (key) => key.pk === key.gsi1sk,
              // The membership it names is the caller's (not a forged key of another organization).
              item: { key: ({ pk, sk }) => ({ pk: pk!, sk: sk! }), belongs: (item) => item.gsi1pk === gsi1pk },
            },
          },
        ),
      );
    },

    async changeRole(scope, userId, { from, to, countedFrom }, now, event) {
      const table = tables.memberships();
      const key = membershipKey(scope.organizationId, userId);
      // Index 2, when `to` is a custom role: it must still exist.
      const given = moveHolders(scope.organizationId, to, 1);
      const outcome = await transactWrite(
        tenantTransactWrite(scope, {
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: key,
                UpdateExpression: 'SET #role = :to, updatedAt = :now',
                ConditionExpression: memberHasRole,
                ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
                ExpressionAttributeValues: { ':to': to, ':from': from, ':now': now.toISOString(), ':active': 'ACTIVE' },
              },
            },
            outboxPut(table, event),
            ...given,
            ...moveHolders(scope.organizationId, countedFrom, -1),
          ],
        }),
      );
      if (!outcome.ok) return given.length > 0 && outcome.failed.includes(2) ? 'role-gone' : 'changed';
      const { Item: item } = await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      return item ? toMembershipRecord(item) : 'changed';
    },

    async remove(scope, { userId, role, email, counted }, event) {
      const outcome = await transactWrite(
        tenantTransactWrite(scope, {
          TransactItems: [
            {
              Delete: {
                TableName: tables.memberships(),
                Key: membershipKey(scope.organizationId, userId),
                ConditionExpression: memberIsRemovable,
                ExpressionAttributeNames: { '#role': 'role' },
                ExpressionAttributeValues: { ':role': role, ':owner': 'OWNER' },
              },
            },
            usageUpdate(scope.organizationId, {
              UpdateExpression: 'SET seats = seats - :one, activeMembers = activeMembers - :one',
              values: { ':one': 1 },
            }),
            // The member's email is free for a new invitation.
            ...(email
              ? [
                  {
                    Put: {
                      TableName: tables.memberships(),
                      Item: emailClaimItem({ organizationId: scope.organizationId, email, holder: 'NONE' }),
                      ConditionExpression: claimOfMember,
                      ExpressionAttributeValues: { ':userId': userId },
                    },
                  },
                ]
              : []),
            outboxPut(tables.memberships(), event),
            ...moveHolders(scope.organizationId, counted, -1),
          ],
        }),
      );
      return outcome.ok ? 'ok' : 'changed';
    },
  };
}
