/**
 * The daily purge of organizations whose restore window has closed (crypto-shredding first), as
 * its own module: it is the only code that deletes a whole tenant, across both tables.
 */
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Item, isConditionFailure, organizationKey, organizationPk, queryAll, tables } from '@tenantry/dynamo';
import { logger, newOrganizationScope, type TenantScope, tenantDelete, tenantUpdate } from '@tenantry/security';
import type { PurgeRepository, PurgeResult } from '../domain/ports';
import { isDeleted, purgeable } from './conditions';
import { toState } from './items';
import { ORGANIZATION_INDEX, ORGANIZATION_INDEX_PK, slugKey } from './keys';

/** Parallel deletes while purging one organization. */
const PURGE_CONCURRENCY = 16;

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

export function dynamoPurgeRepository(client: DynamoDBDocumentClient): PurgeRepository {
  const organizationsTable = () => tables.organizations();
  const membershipsTable = () => tables.memberships();

  /** The keys of every item under `ORG#<id>` in a table. */
  const keysUnder = (table: string, organizationId: string) =>
    queryAll(client, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
      ProjectionExpression: 'pk, sk',
    });

  /** Deletes items (keys only) pinned to the organization; returns how many were deleted. */
  async function deletePinned(table: string, scope: TenantScope, keys: Item[]): Promise<number> {
    let deleted = 0;
    await inPool(keys, PURGE_CONCURRENCY, async (key) => {
      try {
        await client.send(
          new DeleteCommand(tenantDelete(scope, { TableName: table, Key: { pk: key.pk, sk: key.sk } })),
        );
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
    async dueForPurge(now) {
      const items = await queryAll(client, {
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
      const organizationItemKey = organizationKey(organizationId);
      // 1. Crypto-shredding first: once the wrapped data key is gone, every ciphertext of the
      //    organization is unreadable, even if a later step fails (the next run finishes the job).
      let slug: string;
      try {
        const { Attributes } = await client.send(
          new UpdateCommand(
            tenantUpdate(scope, {
              TableName: organizationsTable(),
              Key: organizationItemKey,
              UpdateExpression: 'REMOVE dataKey SET purgeStartedAt = :now',
              ConditionExpression: purgeable,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':deleted': 'DELETED', ':now': now.toISOString() },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        slug = toState(Attributes ?? {}).slug;
      } catch (error) {
        // Restored meanwhile, or already purged: nothing to do.
        if (isConditionFailure(error)) return { organizationId, purged: false, deletedItems: 0 };
        throw error;
      }
      let deletedItems = 0;
      // 2. Memberships and invitations: everything under ORG#<id> in the memberships table.
      deletedItems += await deletePinned(
        membershipsTable(),
        scope,
        await keysUnder(membershipsTable(), organizationId),
      );
      // 3. Usage and any other item of the organization here, and its slug claim.
      const own = await keysUnder(organizationsTable(), organizationId);
      const others = own.filter((item) => item.sk !== organizationItemKey.sk);
      deletedItems += await deletePinned(organizationsTable(), scope, [...others, { ...slugKey(slug) }]);
      // 4. The organization item last, so an interrupted purge is found again by the index.
      await client.send(
        new DeleteCommand(
          tenantDelete(scope, {
            TableName: organizationsTable(),
            Key: organizationItemKey,
            ConditionExpression: isDeleted,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':deleted': 'DELETED' },
          }),
        ),
      );
      return { organizationId, purged: true, deletedItems: deletedItems + 1 };
    },
  };
}
