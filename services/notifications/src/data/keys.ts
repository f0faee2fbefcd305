/**
 * Key builders of the notifications table (`tenantry-<stage>-notifications`, generic pk/sk and one
 * overloaded index gsi1; TTL on `expiresAt`, epoch seconds).
 *
 * | item             | pk                              | sk                          | gsi1 (pk / sk)                          | TTL |
 * |------------------|---------------------------------|-----------------------------|-----------------------------------------|-----|
 * | notification     | INBOX#USER#<userId>             | N#<notificationId>          | UNREAD#<pk> / N#<id>, only while unread | yes |
 * |                  | INBOX#EMAIL#<lower-cased email> | N#<notificationId>          | (same)                                  | yes |
 * | unread counter   | INBOX#USER#… or INBOX#EMAIL#…   | COUNTER                     | —                                       | —   |
 * | audit entry      | ORG#<orgId>                     | AUDIT#<occurredAt>#<eventId>| AUDIT#<orgId>#<type> / <occurredAt>#<eventId> | — |
 * | event receipt    | EVENT#<eventId>                 | NOTIFIED                    | —                                       | yes |
 * | broadcast        | BROADCAST#<orgId>#<broadcastId> | BROADCAST                   | —                                       | yes |
 * | delivery (queue) | BROADCAST#<orgId>#<broadcastId> | TO#<userId>                 | —                                       | yes |
 *
 * Notification ids start with their creation time (`ntf_` + 12 hex digits of epoch ms), so `N#<id>`
 * sorts by time: an inbox is read newest first by querying backwards, and the expired part of an
 * inbox is a key range (see `liveSortKeyFloor`). The counter holds one number per expiry day
 * (`unread_<yyyymmdd>`), see `unreadBucket`.
 */
import { type ItemKey, organizationPk } from '@tenantry/dynamo';
import type { InboxAddress } from '../domain/model';

export const NOTIFICATION_PREFIX = 'N#';
export const COUNTER_SK = 'COUNTER';
export const AUDIT_PREFIX = 'AUDIT#';
export const DELIVERY_PREFIX = 'TO#';

export const inboxPk = (address: InboxAddress): string =>
  address.kind === 'user' ? `INBOX#USER#${address.userId}` : `INBOX#EMAIL#${address.email}`;

export const unreadPk = (address: InboxAddress): string => `UNREAD#${inboxPk(address)}`;

export const notificationSk = (notificationId: string): string => `${NOTIFICATION_PREFIX}${notificationId}`;

export const notificationKey = (address: InboxAddress, notificationId: string): ItemKey => ({
  pk: inboxPk(address),
  sk: notificationSk(notificationId),
});

/** The sparse unread index entry: present while the notification is unread, removed when read. */
export const unreadIndexKey = (address: InboxAddress, notificationId: string) => ({
  gsi1pk: unreadPk(address),
  gsi1sk: notificationSk(notificationId),
});

export const counterKey = (address: InboxAddress): ItemKey => ({ pk: inboxPk(address), sk: COUNTER_SK });

/** The counter attribute of the notifications that expire at `expiresAt` (epoch seconds, a UTC midnight). */
export const unreadBucket = (expiresAt: number): string =>
  `unread_${new Date(expiresAt * 1000).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** The expiry instant (epoch ms) of a counter attribute written by {@link unreadBucket}; undefined for others. */
export function bucketExpiry(attribute: string): number | undefined {
  const match = /^unread_(\d{4})(\d{2})(\d{2})$/.exec(attribute);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : undefined;
}

/** The audit log of an organization, newest first when queried backwards. */
export const auditEventKey = (organizationId: string, occurredAt: string, eventId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${AUDIT_PREFIX}${occurredAt}#${eventId}`,
});

/** gsi1 of an audit entry: the audit log of one event type (`?type=`), newest first. */
export const auditTypeKey = (organizationId: string, type: string, occurredAt: string, eventId: string) => ({
  gsi1pk: auditTypePk(organizationId, type),
  gsi1sk: `${occurredAt}#${eventId}`,
});

export const auditTypePk = (organizationId: string, type: string): string => `AUDIT#${organizationId}#${type}`;

/** Marks an event whose notifications are all written (redeliveries then do nothing). */
export const eventReceiptKey = (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: 'NOTIFIED' });

export const broadcastPk = (organizationId: string, broadcastId: string): string =>
  `BROADCAST#${organizationId}#${broadcastId}`;

export const broadcastKey = (organizationId: string, broadcastId: string): ItemKey => ({
  pk: broadcastPk(organizationId, broadcastId),
  sk: 'BROADCAST',
});

/** One pending delivery of a broadcast: removed in the transaction that writes its notification. */
export const deliveryKey = (organizationId: string, broadcastId: string, userId: string): ItemKey => ({
  pk: broadcastPk(organizationId, broadcastId),
  sk: `${DELIVERY_PREFIX}${userId}`,
});
