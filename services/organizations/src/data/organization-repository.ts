/**
 * The organization item, its slug claim and usage counters (organizations table), and the OWNER's
 * membership the service writes with them (memberships table). Every write is pinned to the tenant
 * with the `@tenantry/security` helpers and stores its event in this table's outbox in the same
 * transaction. An expected conditional failure is an outcome (`'taken'`,
 * `'changed'`) for the use case to explain; anything else throws.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  emailClaimItem,
  membershipItem,
  membershipKey,
  organizationKey,
  organizationPk,
  queryPage,
  roleKey,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import { type NewDomainEvent, outboxPut } from '@tenantry/events';
import type { Plan } from '@tenantry/models';
import { newOrganizationScope, type TenantScope, tenantTransactWrite } from '@tenantry/security';
import type { OrganizationState, UsageState } from '../domain/model';
import type { NewOwner, OrganizationRepository } from '../domain/ports';
import { purgeAfterOf, statusAfterRestore } from '../domain/rules';
import {
  activeMemberWithRole,
  activeOwnerMember,
  isNew,
  names,
  ownedByActive,
  restorable,
  statusIs,
  wrappedAs,
} from './conditions';
import { toState, toUsage, usageOfItem } from './items';
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

/** An update of the organization item, without its table and key. */
interface UpdateParts {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function dynamoOrganizationRepository(client: DynamoDBDocumentClient): OrganizationRepository {
  const organizationsTable = () => tables.organizations();
  const membershipsTable = () => tables.memberships();

  /**
   * A conditional update of the organization item with its event in the outbox, in one transaction
   * pinned to the tenant: the new state (read back, strongly consistent), or `'changed'`.
   */
  async function updateOrganization(
    scope: TenantScope,
    input: UpdateParts,
    event: NewDomainEvent,
  ): Promise<OrganizationState | 'changed'> {
    const table = organizationsTable();
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          { Update: { TableName: table, Key: organizationKey(scope.organizationId), ...input } },
          outboxPut(table, event),
        ],
      }),
    );
    if (!outcome.ok) {
      if (outcome.failed.includes(0)) return 'changed';
      throw new Error(`outbox item of ${event.type} already exists (id collision)`);
    }
    const { Item: item } = await client.send(
      new GetCommand({ TableName: table, Key: organizationKey(scope.organizationId), ConsistentRead: true }),
    );
    if (!item) return 'changed';
    return toState(item);
  }

  /** A move of the organization between statuses (from `:expectedStatus`), with its index position. */
  function transition(
    scope: TenantScope,
    set: string,
    values: Record<string, unknown>,
    event: NewDomainEvent,
    remove?: string,
  ): Promise<OrganizationState | 'changed'> {
    return updateOrganization(
      scope,
      {
        UpdateExpression: `SET ${set}${remove ? ` REMOVE ${remove}` : ''}`,
        ConditionExpression: statusIs,
        ExpressionAttributeNames: { ...names },
        ExpressionAttributeValues: values,
      },
      event,
    );
  }

  return {
    async find(organizationId) {
      const { Item: item } = await client.send(
        new GetCommand({ TableName: organizationsTable(), Key: organizationKey(organizationId), ConsistentRead: true }),
      );
      return item ? toState(item) : undefined;
    },

    async create(organization, usage, owner: NewOwner, event) {
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
            outboxPut(organizationsTable(), event),
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
      return usageOfItem(item);
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

    updateDetails(scope, changes, now, event) {
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
      let remove = '';
      if (changes.maxKeyLifetimeDays !== undefined) {
        attributeNames['#maxKeyLifetimeDays'] = 'maxKeyLifetimeDays';
        if (changes.maxKeyLifetimeDays === null) remove = ' REMOVE #maxKeyLifetimeDays';
        else {
          set.push('#maxKeyLifetimeDays = :maxKeyLifetimeDays');
          values[':maxKeyLifetimeDays'] = changes.maxKeyLifetimeDays;
        }
      }
      return updateOrganization(
        scope,
        {
          UpdateExpression: `SET ${set.join(', ')}${remove}`,
          ConditionExpression: statusIs,
          ExpressionAttributeNames: attributeNames,
          ExpressionAttributeValues: values,
        },
        event,
      );
    },

    changePlan(scope, plan: Plan, now, event) {
      return updateOrganization(
        scope,
        {
          UpdateExpression: 'SET #plan = :plan, #updatedAt = :now',
          ConditionExpression: statusIs,
          ExpressionAttributeNames: { ...names, '#plan': 'plan' },
          ExpressionAttributeValues: { ':plan': plan, ':now': now.toISOString(), ':expectedStatus': 'ACTIVE' },
        },
        event,
      );
    },

    suspend(scope, current, now, event) {
      return transition(
        scope,
        '#status = :status, suspendedAt = :now, #updatedAt = :now, gsi1sk = :gsi1sk',
        {
          ':status': 'SUSPENDED',
          ':now': now.toISOString(),
          ':gsi1sk': organizationIndexKey({ ...current, status: 'SUSPENDED' }).gsi1sk,
          ':expectedStatus': 'ACTIVE',
        },
        event,
      );
    },

    reactivate(scope, current, now, event) {
      return transition(
        scope,
        '#status = :status, #updatedAt = :now, gsi1sk = :gsi1sk',
        {
          ':status': 'ACTIVE',
          ':now': now.toISOString(),
          ':gsi1sk': organizationIndexKey({ ...current, status: 'ACTIVE' }).gsi1sk,
          ':expectedStatus': 'SUSPENDED',
        },
        event,
        'suspendedAt',
      );
    },

    softDelete(scope, current, now, event) {
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
        event,
      );
    },

    restore(scope, current, now, event) {
      const status = statusAfterRestore(current);
      return updateOrganization(
        scope,
        {
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
        },
        event,
      );
    },

    replaceDataKey(scope, expected, next, now, event) {
      return updateOrganization(
        scope,
        {
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
        },
        event,
      );
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

    async transferOwnership(scope, fromUserId, target, now, event) {
      const toUserId = target.userId;
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
                ConditionExpression: activeMemberWithRole,
                ExpressionAttributeNames: memberNames,
                ExpressionAttributeValues: {
                  ':owner': 'OWNER',
                  ':active': 'ACTIVE',
                  ':now': at,
                  ':previous': target.role,
                },
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
            outboxPut(organizationsTable(), event),
            // The custom role the new owner held has one holder less (an OWNER holds no custom role).
            ...(target.releasesCustomRole
              ? [
                  {
                    Update: {
                      TableName: organizationsTable(),
                      Key: roleKey(scope.organizationId, target.role),
                      UpdateExpression: 'ADD holders :minusOne',
                      ConditionExpression: 'attribute_exists(pk)',
                      ExpressionAttributeValues: { ':minusOne': -1 },
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      // The role item went with its role meanwhile: the organization's roles changed under the read.
      if (outcome.failed.includes(4)) return 'changed';
      // Item 1 fails for a target who is not a member AND for one who just won a concurrent transfer:
      // only a read of what is there now tells them apart.
      if (outcome.failed.some((index) => index < 3)) return 'changed';
      throw new Error(`outbox item of ${event.type} already exists (id collision)`);
    },
  };
}
