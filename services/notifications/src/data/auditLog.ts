import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tables } from '@tenantry/dynamo';
import type { DomainEvent } from '@tenantry/events';
import { auditEventKey } from './keys';

/**
 * Appends a domain event to its organization's audit log. The key holds the event id, so a
 * redelivered event (EventBridge delivers at least once) is a no-op, not a second entry.
 * Returns false for a duplicate.
 */
export async function appendAuditEvent(event: DomainEvent): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tables.notifications(),
        Item: { ...auditEventKey(event.organizationId, event.occurredAt, event.id), entity: 'AuditEvent', ...event },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
