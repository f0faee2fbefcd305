import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  documentClient,
  membershipItem,
  membershipKey,
  organizationKey,
  organizationPk,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import { ConflictError, NotFoundError, OrganizationSuspendedError } from '@tenantry/errors';
import type { Plan } from '@tenantry/models';
import {
  logger,
  newOrganizationScope,
  type TenantScope,
  tenantDelete,
  tenantTransactWrite,
  tenantUpdate,
} from '@tenantry/security';
import { organizationIdOf } from '../domain/cursor';
import type { OrganizationState, UsageState } from '../domain/model';
import {
  type ListPage,
  type ListQuery,
  type NewOwner,
  type OrganizationRepository,
  type PurgeResult,
  SlugTakenError,
} from '../domain/ports';
import { purgeAfterOf, statusAfterRestore, type TransferTarget } from '../domain/rules';
import {
  activeNonOwnerMember,
  activeOwnerMember,
  isNew,
  names,
  ownedByActive,
  purgeable,
  restorable,
  statusIs,
} from './conditions';
import { ORGANIZATION_INDEX, ORGANIZATION_INDEX_PK, organizationIndexKey, slugKey } from './keys';

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'organizationId']);
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
  'gsi1sk',
];
/** Parallel deletes while purging one organization. */
const PURGE_CONCURRENCY = 16;
const MAX_BATCH_GET_RETRIES = 4;

function toState(item: Record<string, unknown>): OrganizationState {
  const state: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(name)) state[name] = value;
  return state as unknown as OrganizationState;
}

function toUsage(item: Record<string, unknown> | undefined): UsageState | undefined {
  if (!item) return undefined;
  return {
    seats: Number(item.seats ?? 0),
    activeMembers: Number(item.activeMembers ?? 0),
    applications: Number(item.applications ?? 0),
  };
}

const conflict = () => new ConflictError('The organization changed concurrently; retry');

/** A failed write that needed an ACTIVE organization: answer as the security layer would now. */
function explainWrite(current: OrganizationState | undefined): Error {
  if (!current || current.status === 'DELETED') return new NotFoundError();
  if (current.status === 'SUSPENDED') return new OrganizationSuspendedError();
  return conflict();
}

/** A failed lifecycle transition (suspend, reactivate, delete): gone → 404, else it moved under us → 409. */
function explainLifecycle(current: OrganizationState | undefined): Error {
  if (!current || current.status === 'DELETED') return new NotFoundError();
  return conflict();
}

/** Still restorable by the rules (so a failed restore condition was a concurrent change). */
function isRestorable(current: OrganizationState, now: Date): boolean {
  return current.status === 'DELETED' && !!current.purgeAfter && Date.parse(current.purgeAfter) > now.getTime();
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException'
  );
}

async function inPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** The DynamoDB implementation of {@link OrganizationRepository}. */
export function dynamoOrganizationRepository(client?: DynamoDBDocumentClient): OrganizationRepository {
  const db = () => client ?? documentClient();
  const organizationsTable = () => tables.organizations();
  const membershipsTable = () => tables.memberships();

  async function find(organizationId: string): Promise<OrganizationState | undefined> {
    const { Item } = await db().send(
      new GetCommand({ TableName: organizationsTable(), Key: organizationKey(organizationId), ConsistentRead: true }),
    );
    return Item ? toState(Item) : undefined;
  }

  /**
   * A conditional update of the organization item, pinned to the tenant. When its condition fails,
   * the item is read again and `explain` turns what it finds into the answer (404, 403, 409).
   */
  async function updateOrganization(
    scope: TenantScope,
    input: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
    explain: (current: OrganizationState | undefined) => Error,
  ): Promise<OrganizationState> {
    try {
      const { Attributes } = await db().send(
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
      if (!isConditionFailure(error)) throw error;
      const failure = explain(await find(scope.organizationId));
      (failure as Error & { cause?: unknown }).cause ??= error;
      throw failure;
    }
  }

  async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db().send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Deletes items (keys only) pinned to the organization; returns how many were deleted. */
  async function deletePinned(table: string, scope: TenantScope, keys: Record<string, unknown>[]): Promise<number> {
    let deleted = 0;
    await inPool(keys, PURGE_CONCURRENCY, async (key) => {
      try {
        await db().send(new DeleteCommand(tenantDelete(scope, { TableName: table, Key: { pk: key.pk, sk: key.sk } })));
        deleted += 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Already gone, or not this tenant's (never expected under ORG#<id>): left in place, logged.
        logger.warn('purge skipped an item', { table, pk: key.pk, sk: key.sk });
      }
    });
    return deleted;
  }

  return {
    find,

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
                Item: {
                  ...usageKey(organization.id),
                  entity: 'Usage',
                  ...usage,
                  updatedAt: organization.createdAt,
                },
                ConditionExpression: isNew,
              },
            },
            { Put: { TableName: membershipsTable(), Item: membership, ConditionExpression: isNew } },
          ],
        }),
      );
      if (!outcome.ok) {
        if (outcome.failed.includes(1)) throw new SlugTakenError(organization.slug);
        throw new ConflictError('The organization already exists');
      }
    },

    async usageOf(organizationId) {
      const { Item } = await db().send(
        new GetCommand({ TableName: organizationsTable(), Key: usageKey(organizationId), ConsistentRead: true }),
      );
      return toUsage(Item);
    },

    async usageOfMany(organizationIds) {
      const usage = new Map<string, UsageState>();
      if (organizationIds.length === 0) return usage;
      const table = organizationsTable();
      let pending: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [table]: { Keys: organizationIds.map((id) => ({ ...usageKey(id) })) },
      };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > MAX_BATCH_GET_RETRIES) throw new Error('BatchGetItem left usage keys unprocessed');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const output = await db().send(new BatchGetCommand({ RequestItems: pending }));
        for (const item of output.Responses?.[table] ?? []) {
          usage.set(String(item.pk).slice(organizationPk('').length), toUsage(item)!);
        }
        pending = output.UnprocessedKeys as typeof pending;
      }
      return usage;
    },

    async list(query: ListQuery): Promise<ListPage> {
      const attributeNames = Object.fromEntries(LIST_ATTRIBUTES.map((name, index) => [`#a${index}`, name]));
      const output = await db().send(
        new QueryCommand({
          TableName: organizationsTable(),
          IndexName: ORGANIZATION_INDEX,
          KeyConditionExpression: query.status ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': ORGANIZATION_INDEX_PK,
            ...(query.status ? { ':prefix': `${query.status}#` } : {}),
          },
          ExpressionAttributeNames: attributeNames,
          ProjectionExpression: Object.keys(attributeNames).join(', '),
          // One more than asked: tells whether a next page exists, so the last page says nextCursor null.
          Limit: query.limit + 1,
          ...(query.after
            ? {
                ExclusiveStartKey: {
                  ...organizationKey(organizationIdOf(query.after)),
                  gsi1pk: ORGANIZATION_INDEX_PK,
                  gsi1sk: query.after,
                },
              }
            : {}),
        }),
      );
      const items = output.Items ?? [];
      const page = items.slice(0, query.limit);
      const more = items.length > query.limit;
      return {
        items: page.map((item) => {
          const { gsi1sk: _position, ...rest } = item;
          return toState(rest);
        }),
        last: more ? String(page[page.length - 1]!.gsi1sk) : undefined,
      };
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
      return updateOrganization(
        scope,
        {
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: statusIs,
          ExpressionAttributeNames: attributeNames,
          ExpressionAttributeValues: values,
        },
        explainWrite,
      );
    },

    changePlan(scope, plan: Plan, now) {
      return updateOrganization(
        scope,
        {
          UpdateExpression: 'SET #plan = :plan, #updatedAt = :now',
          ConditionExpression: statusIs,
          ExpressionAttributeNames: { ...names, '#plan': 'plan' },
          ExpressionAttributeValues: { ':plan': plan, ':now': now.toISOString(), ':expectedStatus': 'ACTIVE' },
        },
        explainWrite,
      );
    },

    suspend(scope, current, now) {
      const at = now.toISOString();
      return updateOrganization(
        scope,
        {
          UpdateExpression: 'SET #status = :status, suspendedAt = :now, #updatedAt = :now, gsi1sk = :gsi1sk',
          ConditionExpression: statusIs,
          ExpressionAttributeNames: { ...names },
          ExpressionAttributeValues: {
            ':status': 'SUSPENDED',
            ':now': at,
            ':gsi1sk': organizationIndexKey({ ...current, status: 'SUSPENDED' }).gsi1sk,
            ':expectedStatus': 'ACTIVE',
          },
        },
        explainLifecycle,
      );
    },

    reactivate(scope, current, now) {
      return updateOrganization(
        scope,
        {
          UpdateExpression: 'SET #status = :status, #updatedAt = :now, gsi1sk = :gsi1sk REMOVE suspendedAt',
          ConditionExpression: statusIs,
          ExpressionAttributeNames: { ...names },
          ExpressionAttributeValues: {
            ':status': 'ACTIVE',
            ':now': now.toISOString(),
            ':gsi1sk': organizationIndexKey({ ...current, status: 'ACTIVE' }).gsi1sk,
            ':expectedStatus': 'SUSPENDED',
          },
        },
        explainLifecycle,
      );
    },

    softDelete(scope, current, now) {
      const purgeAfter = purgeAfterOf(now).toISOString();
      return updateOrganization(
        scope,
        {
          UpdateExpression:
            'SET #status = :status, deletedAt = :now, purgeAfter = :purgeAfter, statusBeforeDelete = :expectedStatus, #updatedAt = :now, gsi1sk = :gsi1sk',
          ConditionExpression: statusIs,
          ExpressionAttributeNames: { ...names },
          ExpressionAttributeValues: {
            ':status': 'DELETED',
            ':now': now.toISOString(),
            ':purgeAfter': purgeAfter,
            ':gsi1sk': organizationIndexKey({ ...current, status: 'DELETED', purgeAfter }).gsi1sk,
            ':expectedStatus': current.status,
          },
        },
        explainLifecycle,
      );
    },

    restore(scope, current, now) {
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
        (current) => (current && isRestorable(current, now) ? conflict() : new NotFoundError()),
      );
    },

    async membership(organizationId, userId): Promise<TransferTarget | undefined> {
      const { Item } = await db().send(
        new GetCommand({
          TableName: membershipsTable(),
          Key: membershipKey(organizationId, userId),
          ConsistentRead: true,
          ProjectionExpression: 'userId, #status, #role',
          ExpressionAttributeNames: { '#status': 'status', '#role': 'role' },
        }),
      );
      return Item ? { userId: String(Item.userId), status: String(Item.status), role: String(Item.role) } : undefined;
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
                ExpressionAttributeValues: {
                  ':to': toUserId,
                  ':from': fromUserId,
                  ':now': at,
                  ':active': 'ACTIVE',
                },
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
                ExpressionAttributeValues: {
                  ':admin': 'ADMIN',
                  ':owner': 'OWNER',
                  ':active': 'ACTIVE',
                  ':now': at,
                },
              },
            },
          ],
        }),
      );
      if (!outcome.ok) {
        if (outcome.failed.includes(1)) throw new NotFoundError('No active member with this user id');
        if (outcome.failed.includes(0)) {
          const current = await find(scope.organizationId);
          if (current?.status === 'SUSPENDED') throw new OrganizationSuspendedError();
          if (!current || current.status === 'DELETED') throw new NotFoundError();
        }
        throw new ConflictError('Ownership changed concurrently; retry');
      }
      const updated = await find(scope.organizationId);
      if (!updated) throw new NotFoundError();
      return updated;
    },

    async dueForPurge(now) {
      const items = await queryAll({
        TableName: organizationsTable(),
        IndexName: ORGANIZATION_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': ORGANIZATION_INDEX_PK,
          ':from': 'DELETED#',
          ':to': `DELETED#${now.toISOString()}`,
        },
        ProjectionExpression: 'id',
      });
      return items.map((item) => String(item.id));
    },

    async purge(organizationId, now): Promise<PurgeResult> {
      const scope = newOrganizationScope(organizationId);
      // 1. Crypto-shredding first: once the wrapped data key is gone, every ciphertext of the
      //    organization is unreadable, even if a later step fails (the next run finishes the job).
      let organization: OrganizationState;
      try {
        const { Attributes } = await db().send(
          new UpdateCommand(
            tenantUpdate(scope, {
              TableName: organizationsTable(),
              Key: organizationKey(organizationId),
              UpdateExpression: 'REMOVE dataKey SET purgeStartedAt = :now',
              ConditionExpression: purgeable,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':deleted': 'DELETED', ':now': now.toISOString() },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        organization = toState(Attributes ?? {});
      } catch (error) {
        if (isConditionFailure(error)) return { organizationId, purged: false, deletedItems: 0 };
        throw error;
      }
      let deletedItems = 0;
      // 2. Memberships and invitations: everything under ORG#<id> in the memberships table.
      const memberItems = await queryAll({
        TableName: membershipsTable(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
        ProjectionExpression: 'pk, sk',
      });
      deletedItems += await deletePinned(membershipsTable(), scope, memberItems);
      // 3. Usage and any other item of the organization here, and its slug claim.
      const ownItems = await queryAll({
        TableName: organizationsTable(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
        ProjectionExpression: 'pk, sk',
      });
      const others = ownItems.filter((item) => item.sk !== organizationKey(organizationId).sk);
      deletedItems += await deletePinned(organizationsTable(), scope, [...others, { ...slugKey(organization.slug) }]);
      // 4. The organization item last, so an interrupted purge is found again by the index.
      await db().send(
        new DeleteCommand(
          tenantDelete(scope, {
            TableName: organizationsTable(),
            Key: organizationKey(organizationId),
            ConditionExpression: '#status = :deleted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':deleted': 'DELETED' },
          }),
        ),
      );
      return { organizationId, purged: true, deletedItems: deletedItems + 1 };
    },
  };
}
