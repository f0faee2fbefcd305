/** Event receipts: an event whose notifications are all written is not notified again. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '@tenantry/dynamo';
import type { EventReceipts } from '../domain/ports';
import { eventReceiptKey } from './keys';

/** Longer than any redelivery: EventBridge retries for at most 24 hours, the outbox relay sooner. */
const RECEIPT_DAYS = 30;

export function dynamoEventReceipts(client: DynamoDBDocumentClient): EventReceipts {
  const table = () => tables.notifications();
  return {
    async isNotified(eventId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: table(), Key: eventReceiptKey(eventId), ConsistentRead: true }),
      );
      return Item !== undefined;
    },
    async markNotified(eventId, now) {
      await client.send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...eventReceiptKey(eventId),
            entity: 'EventReceipt',
            eventId,
            notifiedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + RECEIPT_DAYS * 86_400,
          },
        }),
      );
    },
  };
}
