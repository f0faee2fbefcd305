/**
 * The organization item, its slug claim and usage counters (organizations table), and the OWNER's
 * membership the service writes with them (memberships table). Every write is pinned to the tenant
 * with the `@tenantry/security` helpers. An expected conditional failure is an outcome (`'taken'`,
 * `'changed'`, `'notMember'`) for the use case to explain; anything else throws.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  documentClient,
  emailClaimItem,
  isConditionFailure,
  membershipItem,
  membershipKey,
  organizationKey,
  organizationPk,
  queryPage,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import type { Plan } from '@tenantry/models';
import { newOrganizationScope, type TenantScope, tenantTransactWrite, tenantUpdate } from '@tenantry/security';
import type { OrganizationState, UsageState } from '../domain/model';
import type { NewOwner, OrganizationRepository } from '../domain/ports';
import { purgeAfterOf, statusAfterRestore } from '../domain/rules';
import {
  activeNonOwnerMember,
  activeOwnerMember,
  isNew,
  names,
  ownedByActive,
  restorable,
  statusIs,
  wrappedAs,
} from './conditions';
import { toState, toUsage } from './items';
import { listCursorShape, ORGANIZATION_INDEX, ORGANIZATION_INDEX_PK, organizationIndexKey, slugKey } from './keys';

/** What a list page reads from the index: never the wrapped data key. */
const LIST_ATTRIBUTES = [
  'id',
  'name',
  'slug',
  'status',
  'plan',
  'ownerId',
  'metadata',
  'createdAt',
  'updatedAt',
  'suspendedAt',
  'deletedAt',
  'purgeAfter',
];

export function dynamoOrganizationRepository(
  client: DynamoDBDocumentClient = documentClient(),
): OrganizationRepository {
  const organizationsTable = () => tables.organizations();
  const membershipsTable = () => tables.memberships();

  /** A conditional update of the organization item, pinned to the tenant: the new state, or `'changed'`. */
  async function updateOrganization(
    scope: TenantScope,
    input: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ): Promise<OrganizationState | 'changed'> {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand(
          tenantUpdate(scope, {
            TableName: organizationsTable(),
            Key: organizationKey(scope.organizationId),
            ReturnValues: 'ALL_NEW',
            ...input,
          }),
        ),
      );
      return toState(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return 'changed';
      throw error;
    }
  }

  /** A move of the organization between statuses (from `:expectedStatus`), with its index position. */
  function transition(
    scope: TenantScope,
    set: string,
    values: Record<string, unknown>,
    remove?: string,
  ): Promise<OrganizationState | 'changed'> {
    return updateOrganization(scope, {
      UpdateExpression: `SET ${set}${remove ? ` REMOVE ${remove}` : ''}`,
      ConditionExpression: statusIs,
      ExpressionAttributeNames: { ...names },
      ExpressionAttributeValues: values,
    });
  }

  return {
    async find(organizationId) {
      const { Item: item } = await client.send(
        new GetCommand({ TableName: organizationsTable(), Key: organizationKey(organizationId), ConsistentRead: true }),
      );
      return item ? toState(item) : undefined;
    },

    async create(organization, usage, owner: NewOwner) {
      const scope = newOrganizationScope(organization.id);
      const membership = membershipItem({
        organizationId: organization.id,
        userId: owner.userId,
        ...(owner.email ? { email: owner.email } : {}),
        role: 'OWNER',
        status: 'ACTIVE',
        joinedAt: organization.createdAt,
        updatedAt: organization.createdAt,
      });
      const outcome = await transactWrite(
        tenantTransactWrite(scope, {
          TransactItems: [
            {
              Put: {
                TableName: organizationsTable(),
                Item: {
                  ...organizationKey(organization.id),
                  ...organizationIndexKey(organization),
                  entity: 'Organization',
                  ...organization,
                },
                ConditionExpression: isNew,
              },
            },
            {
              Put: {
                TableName: organizationsTable(),
                Item: { ...slugKey(organization.slug), entity: 'SlugClaim', slug: organization.slug },
                ConditionExpression: isNew,
              },
            },
            {
              Put: {
                TableName: organizationsTable(),
                Item: { ...usageKey(organization.id), entity: 'Usage', ...usage, updatedAt: organization.createdAt },
                ConditionExpression: isNew,
              },
            },
            { Put: { TableName: membershipsTable(), Item: membership, ConditionExpression: isNew } },
            ...(owner.email
              ? [
                  {
                    Put: {
                      TableName: membershipsTable(),
                      Item: emailClaimItem({
                        organizationId: organization.id,
                        email: owner.email,
                        holder: 'MEMBER',
                        userId: owner.userId,
                      }),
                      ConditionExpression: isNew,
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(1)) return 'taken';
      throw new Error(`organization ${organization.id} already exists (id collision)`);
    },

    async usageOf(organizationId) {
      const { Item: item } = await client.send(
        new GetCommand({ TableName: organizationsTable(), Key: usageKey(organizationId), ConsistentRead: true }),
      );
      return item ? toUsage(item) : undefined;
    },

    async usageOfMany(organizationIds) {
      const usage = new Map<string, UsageState>();
      if (organizationIds.length === 0) return usage;
      const table = organizationsTable();
      const found = await batchGetAll(client, {
        [table]: { Keys: organizationIds.map((id) => ({ ...usageKey(id) })) },
      });
      for (const item of found[table] ?? []) usage.set(String(item.pk).slice(organizationPk('').length), toUsage(item));
      return usage;
    },

    async list(query) {
      const attributeNames = Object.fromEntries(LIST_ATTRIBUTES.map((name, index) => [`#a${index}`, name]));
      const statusPrefix = query.status ? `${query.status}#` : '';
      const page = await queryPage(
        client,
        {
          TableName: organizationsTable(),
          IndexName: ORGANIZATION_INDEX,
          KeyConditionExpression: query.status ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': ORGANIZATION_INDEX_PK,
            ...(query.status ? { ':prefix': statusPrefix } : {}),
          },
          ExpressionAttributeNames: attributeNames,
          ProjectionExpression: Object.keys(attributeNames).join(', '),
        },
        {
          limit: query.limit,
          cursor: query.cursor,
          shape: listCursorShape(query.status),
        },
      );
      return { items: page.items.map(toState), nextCursor: page.nextCursor };
    },

    updateDetails(scope, changes, now) {
      const set = ['#updatedAt = :now'];
      const values: Record<string, unknown> = { ':now': now.toISOString(), ':expectedStatus': 'ACTIVE' };
      const attributeNames: Record<string, string> = { ...names };
      if (changes.name !== undefined) {
        set.push('#name = :name');
        values[':name'] = changes.name;
        attributeNames['#name'] = 'name';
      }
      if (changes.metadata !== undefined) {
        set.push('#metadata = :metadata');
        values[':metadata'] = changes.metadata;
        attributeNames['#metadata'] = 'metadata';
      }
      return updateOrganization(scope, {
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: statusIs,
        ExpressionAttributeNames: attributeNames,
        ExpressionAttributeValues: values,
      });
    },

    changePlan(scope, plan: Plan, now) {
      return updateOrganization(scope, {
        UpdateExpression: 'SET #plan = :plan, #updatedAt = :now',
        ConditionExpression: statusIs,
        ExpressionAttributeNames: { ...names, '#plan': 'plan' },
        ExpressionAttributeValues: { ':plan': plan, ':now': now.toISOString(), ':expectedStatus': 'ACTIVE' },
      });
    },

    suspend(scope, current, now) {
      return transition(scope, '#status = :status, suspendedAt = :now, #updatedAt = :now, gsi1sk = :gsi1sk', {
        ':status': 'SUSPENDED',
        ':now': now.toISOString(),
        ':gsi1sk': organizationIndexKey({ ...current, status: 'SUSPENDED' }).gsi1sk,
        ':expectedStatus': 'ACTIVE',
      });
    },

    reactivate(scope, current, now) {
      return transition(
        scope,
        '#status = :status, #updatedAt = :now, gsi1sk = :gsi1sk',
        {
          ':status': 'ACTIVE',
          ':now': now.toISOString(),
          ':gsi1sk': organizationIndexKey({ ...current, status: 'ACTIVE' }).gsi1sk,
          ':expectedStatus': 'SUSPENDED',
        },
        'suspendedAt',
      );
    },

    softDelete(scope, current, now) {
      const purgeAfter = purgeAfterOf(now).toISOString();
      return transition(
        scope,
        '#status = :status, deletedAt = :now, purgeAfter = :purgeAfter, statusBeforeDelete = :expectedStatus, #updatedAt = :now, gsi1sk = :gsi1sk',
        {
          ':status': 'DELETED',
          ':now': now.toISOString(),
          ':purgeAfter': purgeAfter,
          ':gsi1sk': organizationIndexKey({ ...current, status: 'DELETED', purgeAfter }).gsi1sk,
          ':expectedStatus': current.status,
        },
      );
    },

    restore(scope, current, now) {
      const status = statusAfterRestore(current);
      return updateOrganization(scope, {
        UpdateExpression:
          'SET #status = :status, #updatedAt = :at, gsi1sk = :gsi1sk REMOVE deletedAt, purgeAfter, statusBeforeDelete',
        ConditionExpression: restorable,
        ExpressionAttributeNames: { ...names },
        ExpressionAttributeValues: {
          ':status': status,
          ':deleted': 'DELETED',
          ':at': now.toISOString(),
          ':now': now.toISOString(),
          ':deletedAt': current.deletedAt,
          ':gsi1sk': organizationIndexKey({ ...current, status }).gsi1sk,
        },
      });
    },

    replaceDataKey(scope, expected, next, now) {
      return updateOrganization(scope, {
        UpdateExpression: 'SET dataKey = :next, #updatedAt = :now',
        ConditionExpression: wrappedAs,
        ExpressionAttributeNames: { '#status': 'status', '#plan': 'plan', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: {
          ':next': next,
          ':now': now.toISOString(),
          ':active': 'ACTIVE',
          ':enterprise': 'ENTERPRISE',
          ':keyId': expected.keyId,
          ':blob': expected.encryptedDataKey,
        },
      });
    },

    async membership(organizationId, userId) {
      const { Item: item } = await client.send(
        new GetCommand({
          TableName: membershipsTable(),
          Key: membershipKey(organizationId, userId),
          ConsistentRead: true,
          ProjectionExpression: 'userId, #status, #role',
          ExpressionAttributeNames: { '#status': 'status', '#role': 'role' },
        }),
      );
      return item ? { userId: String(item.userId), status: String(item.status), role: String(item.role) } : undefined;
    },

    async transferOwnership(scope, fromUserId, toUserId, now) {
      const at = now.toISOString();
      const memberNames = { '#status': 'status', '#role': 'role', '#updatedAt': 'updatedAt' };
      const outcome = await transactWrite(
        tenantTransactWrite(scope, {
          TransactItems: [
            {
              Update: {
                TableName: organizationsTable(),
                Key: organizationKey(scope.organizationId),
                UpdateExpression: 'SET ownerId = :to, #updatedAt = :now',
                ConditionExpression: ownedByActive,
                ExpressionAttributeNames: { ...names },
                ExpressionAttributeValues: { ':to': toUserId, ':from': fromUserId, ':now': at, ':active': 'ACTIVE' },
              },
            },
            {
              Update: {
                TableName: membershipsTable(),
                Key: membershipKey(scope.organizationId, toUserId),
                UpdateExpression: 'SET #role = :owner, #updatedAt = :now',
                ConditionExpression: activeNonOwnerMember,
                ExpressionAttributeNames: memberNames,
                ExpressionAttributeValues: { ':owner': 'OWNER', ':active': 'ACTIVE', ':now': at },
              },
            },
            {
              Update: {
                TableName: membershipsTable(),
                Key: membershipKey(scope.organizationId, fromUserId),
                UpdateExpression: 'SET #role = :admin, #updatedAt = :now',
                ConditionExpression: activeOwnerMember,
                ExpressionAttributeNames: memberNames,
                ExpressionAttributeValues: { ':admin': 'ADMIN', ':owner': 'OWNER', ':active': 'ACTIVE', ':now': at },
              },
            },
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      return outcome.failed.includes(1) ? 'notMember' : 'changed';
    },
  };
}
