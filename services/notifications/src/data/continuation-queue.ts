/**
 * The queued continuation of a broadcast: a message on the service's own event bus that invokes
 * `continueBroadcast` (deployed: EventBridge → Lambda, with its retry policy and dead-letter queue;
 * locally: the local bus → serverless-offline). It is not a domain event: its detail type is not a
 * §7 type, so the audit and notification consumers never match it.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { config } from '@tenantry/config';
import { eventBusClient } from '@tenantry/events/relay';
import type { ContinuationMessage, ContinuationQueue } from '../domain/ports';

export const CONTINUATION_SOURCE = 'tenantry.notifications';
export const CONTINUATION_DETAIL_TYPE = 'notifications.broadcast_pending';

export const eventBridgeContinuationQueue: ContinuationQueue = {
  async enqueue(organizationId, broadcastId) {
    const detail: ContinuationMessage = { organizationId, broadcastId };
    const result = await eventBusClient().send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: config.EVENT_BUS_NAME,
            Source: CONTINUATION_SOURCE,
            DetailType: CONTINUATION_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      throw new Error(`event bus refused the continuation: ${result.Entries?.[0]?.ErrorMessage ?? 'unknown'}`);
    }
  },
};
