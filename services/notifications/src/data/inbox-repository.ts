/**
 * Inboxes in DynamoDB: notifications, their sparse unread index and the unread counters.
 *
 * The counter of an inbox is one item with one number per expiry day (`unread_<yyyymmdd>`, see
 * keys.ts). Every change of a notification's unread state and the matching counter change are ONE
 * TransactWriteItems, and every decrement is conditional on the number covering it, so the counter
 * equals the number of live unread notifications and never goes negative. A day's number stops
 * counting at the very instant its notifications expire (they all expire at that midnight), whether
 * or not TTL has deleted them yet; lists hide them by the same rule.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type CursorShape,
  decodeCursor,
  encodeCursor,
  isConditionFailure,
  tables,
  transactWrite,
} from '@tenantry/dynamo';
import { tenantDelete } from '@tenantry/security';
import type { InboxAddress, NotificationRecord, Page } from '../domain/model';
import type { Delivery, InboxQuery, InboxRepository, MarkAllOutcome, MarkReadOutcome } from '../domain/ports';
import { expiredUpTo, isLive, NOTIFICATION_ID, timePrefix } from '../domain/rules';
import { bucketCovers, IS_NEW, UNREAD_AND_LIVE } from './conditions';
import { fromNotificationItem, notificationItem } from './items';
import {
  bucketExpiry,
  counterKey,
  deliveryKey,
  inboxPk,
  NOTIFICATION_PREFIX,
  notificationKey,
  unreadBucket,
  unreadPk,
} from './keys';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's bound on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** Notifications marked read per transaction by read-all (plus the counter: 100 items). */
const READ_ALL_BATCH = MAX_TRANSACTION_ITEMS - 1;

/** Sort key bounds of the live part of an inbox: above every expired id, up to above every id. */
const liveFloor = (now: Date) => `${NOTIFICATION_PREFIX}ntf_${timePrefix(expiredUpTo(now.getTime()))}~`;
const TOP = `${NOTIFICATION_PREFIX}ntf_~`;

/**
 * The cursor of an inbox list: the key of the last notification shown (`{ pk: 'INBOX#…', sk:
 * 'N#ntf_…' }`), whose inbox must be one of the caller's: another user's cursor is refused (400), as
 * on every list, though it would only name a position in time.
 */
const cursorShape = (addresses: readonly InboxAddress[]): CursorShape => {
  const inboxes = addresses.map(inboxPk);
  return {
    prefixes: { pk: 'INBOX#', sk: NOTIFICATION_PREFIX },
    check: (key) => inboxes.includes(key.pk!) && NOTIFICATION_ID.test(key.sk!.slice(NOTIFICATION_PREFIX.length)),
  };
};

const nowSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

export function dynamoInboxRepository(client: DynamoDBDocumentClient): InboxRepository {
  const table = () => tables.notifications();

  /** The transaction items of one delivery: the notification (if new), its counter, its pending delivery. */
  function deliveryItems(entry: Delivery): TransactItem[] {
    const { notification } = entry;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table(),
          Item: notificationItem(notification),
          ConditionExpression: IS_NEW,
        },
      },
      {
        Update: {
          TableName: table(),
          Key: counterKey(notification.address),
          UpdateExpression: 'ADD #bucket :one',
          ExpressionAttributeNames: { '#bucket': unreadBucket(notification.expiresAt) },
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    ];
    if (entry.delivery) {
      const { organizationId, broadcastId, userId } = entry.delivery;
      items.push({
        Delete: tenantDelete(
          { organizationId },
          { TableName: table(), Key: deliveryKey(organizationId, broadcastId, userId) },
        ),
      });
    }
    return items;
  }

  /** A delivery whose notification already exists: only its pending delivery is left to remove. */
  async function settleDelivery(entry: Delivery): Promise<void> {
    if (!entry.delivery) return;
    const { organizationId, broadcastId, userId } = entry.delivery;
    try {
      await client.send(
        new DeleteCommand(
          tenantDelete(
            { organizationId },
            { TableName: table(), Key: deliveryKey(organizationId, broadcastId, userId) },
          ),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Groups that fit one transaction, each inbox (counter item) at most once per group. */
  function groups(deliveries: Delivery[]): Delivery[][] {
    const result: Delivery[][] = [];
    let current: Delivery[] = [];
    let size = 0;
    let counters = new Set<string>();
    const seen = new Set<string>();
    for (const entry of deliveries) {
      const id = `${inboxPk(entry.notification.address)}|${entry.notification.id}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const counter = inboxPk(entry.notification.address);
      const itemCount = entry.delivery ? 3 : 2;
      if (size + itemCount > MAX_TRANSACTION_ITEMS || counters.has(counter)) {
        result.push(current);
        current = [];
        size = 0;
        counters = new Set();
      }
      current.push(entry);
      size += itemCount;
      counters.add(counter);
    }
    if (current.length > 0) result.push(current);
    return result;
  }

  /** One group: transact; entries whose condition fails (already delivered) are settled and left out. */
  async function deliverGroup(group: Delivery[]): Promise<number> {
    let pending = group;
    while (pending.length > 0) {
      const owners: number[] = [];
      const items = pending.flatMap((entry, index) => {
        const own = deliveryItems(entry);
        for (const _ of own) owners.push(index);
        return own;
      });
      const outcome = await transactWrite({ TransactItems: items });
      if (outcome.ok) return pending.length;
      const failed = new Set(outcome.failed.map((index) => owners[index]!));
      for (const index of failed) await settleDelivery(pending[index]!);
      pending = pending.filter((_, index) => !failed.has(index));
    }
    return 0;
  }

  async function query(input: QueryCommandInput) {
    return client.send(new QueryCommand(input));
  }

  return {
    async deliver(deliveries, now) {
      let created = 0;
      const live = deliveries.filter((entry) => isLive(entry.notification.expiresAt, now.getTime()));
      for (const group of groups(live)) created += await deliverGroup(group);
      return created;
    },

    async list(addresses, request: InboxQuery, now): Promise<Page<NotificationRecord>> {
      const start = decodeCursor(request.cursor, cursorShape(addresses));
      const ceiling = start?.sk ?? TOP;
      const floor = liveFloor(now);
      // A cursor at or below the live floor (its notification has expired since): nothing follows.
      if (ceiling <= floor) return { items: [], nextCursor: null };
      const [pkName, skName] = request.unread ? ['gsi1pk', 'gsi1sk'] : ['pk', 'sk'];
      // Each inbox: its newest notifications below the cursor (BETWEEN is inclusive: +1 for the
      // cursor's own item, +1 to know whether more follow), then one merge by sort key.
      const reads = await Promise.all(
        addresses.map((address) =>
          query({
            TableName: table(),
            ...(request.unread ? { IndexName: 'gsi1' } : { ConsistentRead: true }),
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :floor AND :ceiling',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: {
              ':pk': request.unread ? unreadPk(address) : inboxPk(address),
              ':floor': floor,
              ':ceiling': ceiling,
            },
            ScanIndexForward: false,
            Limit: request.limit + 2,
          }),
        ),
      );
      // An inbox whose read stopped early (1 MB) bounds the page: nothing older than its last item
      // may be shown before it is read, or it would be skipped.
      let bound = floor;
      for (const read of reads) {
        const last = read.Items?.at(-1)?.sk as string | undefined;
        if (read.LastEvaluatedKey && last && last > bound) bound = last;
      }
      const merged = reads
        .flatMap((read) => read.Items ?? [])
        .filter((item) => String(item.sk) !== ceiling && String(item.sk) >= bound)
        .sort((a, b) => (String(a.sk) < String(b.sk) ? 1 : -1));
      const more = merged.length > request.limit || reads.some((read) => read.LastEvaluatedKey);
      const page = merged.slice(0, request.limit);
      const last = page.at(-1);
      return {
        items: page.map(fromNotificationItem),
        nextCursor: more && last ? encodeCursor({ pk: String(last.pk), sk: String(last.sk) }) : null,
      };
    },

    async find(addresses, id, now) {
      if (!NOTIFICATION_ID.test(id)) return undefined;
      for (const address of addresses) {
        const { Item } = await client.send(
          new GetCommand({ TableName: table(), Key: notificationKey(address, id), ConsistentRead: true }),
        );
        if (Item) {
          const record = fromNotificationItem(Item);
          return isLive(record.expiresAt, now.getTime()) ? record : undefined;
        }
      }
      return undefined;
    },

    async markRead(notification, now): Promise<MarkReadOutcome> {
      const outcome = await transactWrite({
        TransactItems: [
          {
            Update: {
              TableName: table(),
              Key: notificationKey(notification.address, notification.id),
              UpdateExpression: 'SET #read = :true, #readAt = :readAt REMOVE gsi1pk, gsi1sk',
              ConditionExpression: UNREAD_AND_LIVE,
              ExpressionAttributeNames: { '#read': 'read', '#readAt': 'readAt', '#expiresAt': 'expiresAt' },
              ExpressionAttributeValues: {
                ':true': true,
                ':false': false,
                ':readAt': now.toISOString(),
                ':nowSeconds': nowSeconds(now),
              },
            },
          },
          counterDecrement(notification.address, new Map([[unreadBucket(notification.expiresAt), 1]])),
        ],
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'unchanged';
      throw new Error(`unread counter of ${inboxPk(notification.address)} does not cover a read (drift)`);
    },

    async markAllRead(address: InboxAddress, now: Date, deadline: number): Promise<MarkAllOutcome> {
      let updated = 0;
      // Ids found read (by a concurrent call) while the index still listed them: not tried again.
      const skip = new Set<string>();
      // At least one batch per call, so every call makes progress whatever its budget.
      for (let first = true; ; first = false) {
        if (!first && Date.now() >= deadline) return { updated, complete: false };
        const { Items = [] } = await query({
          TableName: table(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :floor AND :top',
          ExpressionAttributeValues: { ':pk': unreadPk(address), ':floor': liveFloor(now), ':top': TOP },
          ProjectionExpression: 'id, expiresAt',
          ScanIndexForward: false,
          Limit: READ_ALL_BATCH + skip.size,
        });
        const batch = Items.map((item) => ({ id: String(item.id), expiresAt: Number(item.expiresAt) }))
          .filter((item) => !skip.has(item.id))
          .slice(0, READ_ALL_BATCH);
        if (batch.length === 0) return { updated, complete: true };
        const decrements = new Map<string, number>();
        for (const item of batch) {
          const bucket = unreadBucket(item.expiresAt);
          decrements.set(bucket, (decrements.get(bucket) ?? 0) + 1);
        }
        const readAt = now.toISOString();
        const outcome = await transactWrite({
          TransactItems: [
            ...batch.map(
              (item): TransactItem => ({
                Update: {
                  TableName: table(),
                  Key: notificationKey(address, item.id),
                  UpdateExpression: 'SET #read = :true, #readAt = :readAt REMOVE gsi1pk, gsi1sk',
                  ConditionExpression: UNREAD_AND_LIVE,
                  ExpressionAttributeNames: { '#read': 'read', '#readAt': 'readAt', '#expiresAt': 'expiresAt' },
                  ExpressionAttributeValues: {
                    ':true': true,
                    ':false': false,
                    ':readAt': readAt,
                    ':nowSeconds': nowSeconds(now),
                  },
                },
              }),
            ),
            counterDecrement(address, decrements),
          ],
        });
        if (outcome.ok) {
          updated += batch.length;
          continue;
        }
        const counterIndex = batch.length;
        if (outcome.failed.includes(counterIndex) && outcome.failed.length === 1) {
          throw new Error(`unread counter of ${inboxPk(address)} does not cover a read-all batch (drift)`);
        }
        for (const index of outcome.failed) if (index < counterIndex) skip.add(batch[index]!.id);
      }
    },

    async unreadCount(addresses, now) {
      const counters = await Promise.all(
        addresses.map(async (address) => {
          const { Item } = await client.send(
            new GetCommand({ TableName: table(), Key: counterKey(address), ConsistentRead: true }),
          );
          return { address, item: Item ?? {} };
        }),
      );
      let count = 0;
      for (const { address, item } of counters) {
        const expired: string[] = [];
        for (const [attribute, value] of Object.entries(item)) {
          const expiry = bucketExpiry(attribute);
          if (expiry === undefined) continue;
          if (expiry > now.getTime()) count += Number(value);
          else expired.push(attribute);
        }
        if (expired.length > 0) await pruneBuckets(address, expired);
      }
      return count;
    },
  };

  /** `ADD` of minus each count, conditional on each bucket covering it. */
  function counterDecrement(address: InboxAddress, decrements: Map<string, number>): TransactItem {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds: string[] = [];
    const conditions: string[] = [];
    [...decrements].forEach(([bucket, count], index) => {
      names[`#bucket${index}`] = bucket;
      values[`:minus${index}`] = -count;
      values[`:need${index}`] = count;
      adds.push(`#bucket${index} :minus${index}`);
      conditions.push(bucketCovers(index));
    });
    return {
      Update: {
        TableName: table(),
        Key: counterKey(address),
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Drops the numbers of days that have expired (no write ever touches them again: deliveries of
   * expired notifications are skipped and reads of them refused). Best effort: a failure only
   * leaves a number that is ignored anyway.
   */
  async function pruneBuckets(address: InboxAddress, buckets: string[]): Promise<void> {
    const names = Object.fromEntries(buckets.map((bucket, index) => [`#old${index}`, bucket]));
    try {
      await client.send(
        new UpdateCommand({
          TableName: table(),
          Key: counterKey(address),
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          ExpressionAttributeNames: names,
        }),
      );
    } catch {
      // ignored: see above
    }
  }
}
