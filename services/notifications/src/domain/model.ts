/**
 * What the service stores and shows: inbox addresses, notification records and their API views.
 * Pure: no AWS SDK, no I/O.
 */
import type { AuditEvent, Event, Notification, NotificationType, OrganizationRole } from '@tenantry/models';

/**
 * Whose inbox. A user's inbox is keyed by the Cognito `sub`; an invitee who may have no account and
 * no membership yet is addressed by the lower-cased email, and that inbox is shown to whoever holds
 * the email verified in their token.
 */
export type InboxAddress = { kind: 'user'; userId: string } | { kind: 'email'; email: string };

export const userInbox = (userId: string): InboxAddress => ({ kind: 'user', userId });
export const emailInbox = (email: string): InboxAddress => ({ kind: 'email', email: normalizeEmail(email) });

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A notification as stored. */
export interface NotificationRecord {
  id: string;
  address: InboxAddress;
  organizationId: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  readAt?: string | undefined;
  createdAt: string;
  /** Epoch seconds (the TTL attribute): a UTC midnight, see `expiresAtFor`. */
  expiresAt: number;
}

/** An ACTIVE member as the recipient resolution sees it. */
export interface Member {
  userId: string;
  role: OrganizationRole;
}

/** A domain event (contract §7) as the consumers receive it. */
export type DomainEvent = Event;

/** The API view of a notification, for the caller `userId`. */
export function toNotification(record: NotificationRecord, userId: string): Notification {
  return {
    id: record.id,
    userId,
    organizationId: record.organizationId,
    type: record.type,
    title: record.title,
    body: record.body,
    data: record.data,
    read: record.read,
    ...(record.readAt ? { readAt: record.readAt } : {}),
    createdAt: record.createdAt,
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
  };
}

/** The API view of an audit entry: the event as it was published. */
export function toAuditEvent(event: DomainEvent): AuditEvent {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    organizationId: event.organizationId,
    actor: event.actor,
    data: event.data,
  };
}

export type { Page } from '@tenantry/models';

/** An organization broadcast (`POST /organizations/{orgId}/notifications`) as stored until delivered. */
export interface BroadcastRecord {
  id: string;
  organizationId: string;
  title: string;
  body: string;
  /** Who sent it: a user or an application (API key). */
  sentBy: { kind: 'user' | 'application'; id: string };
  createdAt: string;
}
