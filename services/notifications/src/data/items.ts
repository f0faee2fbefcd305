/** The stored shape of notifications and broadcasts, and the conversions to the domain records. */
import type { NotificationType } from '@tenantry/models';
import type { BroadcastRecord, InboxAddress, NotificationRecord } from '../domain/model';
import { broadcastKey, notificationKey, unreadIndexKey } from './keys';

export interface NotificationItem {
  pk: string;
  sk: string;
  gsi1pk?: string;
  gsi1sk?: string;
  entity: 'Notification';
  id: string;
  recipient: 'user' | 'email';
  userId?: string;
  email?: string;
  organizationId: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  readAt?: string;
  createdAt: string;
  expiresAt: number;
}

export function notificationItem(record: NotificationRecord): NotificationItem {
  const { address } = record;
  return {
    ...notificationKey(address, record.id),
    ...(record.read ? {} : unreadIndexKey(address, record.id)),
    entity: 'Notification',
    id: record.id,
    ...(address.kind === 'user'
      ? { recipient: 'user' as const, userId: address.userId }
      : { recipient: 'email' as const, email: address.email }),
    organizationId: record.organizationId,
    type: record.type,
    title: record.title,
    body: record.body,
    data: record.data,
    read: record.read,
    ...(record.readAt ? { readAt: record.readAt } : {}),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
}

export function fromNotificationItem(item: Record<string, unknown>): NotificationRecord {
  const stored = item as unknown as NotificationItem;
  const address: InboxAddress =
    stored.recipient === 'email' ? { kind: 'email', email: stored.email! } : { kind: 'user', userId: stored.userId! };
  return {
    id: stored.id,
    address,
    organizationId: stored.organizationId,
    type: stored.type,
    title: stored.title,
    body: stored.body,
    data: stored.data ?? {},
    read: stored.read === true,
    ...(stored.readAt ? { readAt: stored.readAt } : {}),
    createdAt: stored.createdAt,
    expiresAt: Number(stored.expiresAt),
  };
}

export function broadcastItem(broadcast: BroadcastRecord, expiresAt: number) {
  return {
    ...broadcastKey(broadcast.organizationId, broadcast.id),
    entity: 'Broadcast',
    ...broadcast,
    expiresAt,
  };
}

export function fromBroadcastItem(item: Record<string, unknown>): BroadcastRecord {
  return {
    id: String(item.id),
    organizationId: String(item.organizationId),
    title: String(item.title),
    body: String(item.body),
    sentBy: item.sentBy as BroadcastRecord['sentBy'],
    createdAt: String(item.createdAt),
  };
}
