/**
 * Broadcasts and their pending deliveries: the fan-out queue of `POST /organizations/{orgId}/notifications`.
 * The broadcast item is a conditional put pinned to the organization of the verified context; the
 * deliveries go in with BatchWriteItem (which takes no conditions: their partition is named by that
 * same organization id and a fresh broadcast id, so they cannot land in another tenant's partition).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, isConditionFailure, tables } from '@tenantry/dynamo';
import { tenantPut } from '@tenantry/security';
import type { BroadcastRecord } from '../domain/model';
import type { BroadcastRepository } from '../domain/ports';
import { IS_NEW } from './conditions';
import { broadcastItem, fromBroadcastItem } from './items';
import { broadcastKey, broadcastPk, DELIVERY_PREFIX, deliveryKey } from './keys';

/** Rounds for items left unprocessed (throttling) before giving up with an error. */
const MAX_ATTEMPTS = 8;
/** A broadcast and its deliveries are kept a week at most (TTL); delivery normally takes seconds. */
const KEEP_SECONDS = 7 * 86_400;

export function dynamoBroadcastRepository(client: DynamoDBDocumentClient): BroadcastRepository {
  const table = () => tables.notifications();

  /** BatchWriteItem of any number of puts, retrying what DynamoDB leaves unprocessed with backoff. */
  function batchPut(items: Record<string, unknown>[]): Promise<void> {
    return batchWriteAll(
      client,
      table(),
      items.map((Item) => ({ PutRequest: { Item } })),
      { maxAttempts: MAX_ATTEMPTS },
    );
  }

  async function find(organizationId: string, broadcastId: string): Promise<BroadcastRecord | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: table(), Key: broadcastKey(organizationId, broadcastId), ConsistentRead: true }),
    );
    return Item && Item.organizationId === organizationId ? fromBroadcastItem(Item) : undefined;
  }

  return {
    async create(scope, broadcast, userIds) {
      const expiresAt = Math.floor(Date.parse(broadcast.createdAt) / 1000) + KEEP_SECONDS;
      let stored = broadcast;
      try {
        await client.send(
          new PutCommand(
            tenantPut(scope, {
              TableName: table(),
              Item: broadcastItem(broadcast, expiresAt),
              ConditionExpression: IS_NEW,
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The same broadcast again (a retried request): resume it as first stored.
        const existing = await find(scope.organizationId, broadcast.id);
        if (!existing) throw error;
        stored = existing;
      }
      await batchPut(
        userIds.map((userId) => ({
          ...deliveryKey(scope.organizationId, stored.id, userId),
          entity: 'Delivery',
          organizationId: scope.organizationId,
          broadcastId: stored.id,
          userId,
          expiresAt,
        })),
      );
      return stored;
    },

    find: (scope, broadcastId) => find(scope.organizationId, broadcastId),

    async pending(scope, broadcastId, limit) {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :to)',
          ExpressionAttributeValues: { ':pk': broadcastPk(scope.organizationId, broadcastId), ':to': DELIVERY_PREFIX },
          ProjectionExpression: 'userId',
          ConsistentRead: true,
          Limit: limit,
        }),
      );
      return Items.map((item) => String(item.userId));
    },
  };
}
