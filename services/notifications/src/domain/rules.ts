/**
 * Pure rules of the service: notification ids and expiry, who is notified of which event and with
 * what text (contract §7), and who a broadcast reaches.
 */
import { createHash } from 'node:crypto';
import type { EventType, NotificationAudience, NotificationType, OrganizationRole } from '@tenantry/models';
import { type DomainEvent, emailInbox, type InboxAddress, type Member, userInbox } from './model';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Notifications expire this many days after they are created (DynamoDB TTL), rounded up to a UTC midnight. */
export const RETENTION_DAYS = 90;

/**
 * When a notification created at `createdAtMs` expires (epoch seconds): 90 days later, rounded up to
 * the next UTC midnight. All notifications of one creation day share one expiry instant, so the
 * unread counter can keep one number per expiry day and drop a whole day at exactly the instant its
 * notifications stop being shown (see README, "The unread counter and TTL").
 */
export function expiresAtFor(createdAtMs: number): number {
  return Math.ceil((createdAtMs + RETENTION_DAYS * DAY_MS) / DAY_MS) * (DAY_MS / 1000);
}

/** True while a notification that expires at `expiresAt` (epoch seconds) is shown and counted. */
export const isLive = (expiresAt: number, nowMs: number): boolean => expiresAt * 1000 > nowMs;

/**
 * Notifications created at or before this instant (epoch ms) have expired at `nowMs`: with
 * {@link expiresAtFor}, `expiresAt > now` ⟺ `createdAt > floor_day(now) − 90 days`.
 */
export const expiredUpTo = (nowMs: number): number => Math.floor(nowMs / DAY_MS) * DAY_MS - RETENTION_DAYS * DAY_MS;

/** 12 hex digits of epoch milliseconds: fixed width, so ids sort by time until the year 10889. */
export const timePrefix = (ms: number): string => Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');

export const NOTIFICATION_ID = /^ntf_([0-9a-f]{12})[0-9a-f]{20}$/;

/**
 * The id of a notification: `ntf_` + its creation time + 20 hex digits derived from `seed`. The same
 * event (or broadcast) and recipient always give the same id, which is what makes a redelivery a
 * no-op (a conditional put of an id that exists).
 */
export function notificationId(createdAtMs: number, seed: string): string {
  return `ntf_${timePrefix(createdAtMs)}${createHash('sha256').update(seed).digest('hex').slice(0, 20)}`;
}

/** The creation time (epoch ms) of a notification id, or undefined for anything that is not one. */
export function createdAtOf(id: string): number | undefined {
  const match = NOTIFICATION_ID.exec(id);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Events → notifications (contract §7)

/** Who receives the notifications of an event. */
export type Recipients =
  /** The ACTIVE OWNER and ADMINs of the organization, but never the user the event is about. */
  | { kind: 'admins'; except?: string | undefined }
  /** Every ACTIVE member. */
  | { kind: 'members' }
  /** These users (by id), members or not any more. */
  | { kind: 'users'; userIds: string[] }
  /** Whoever holds this verified email (the invitee of `invitation.created`). */
  | { kind: 'email'; email: string };

export interface NotificationPlan {
  type: NotificationType;
  title: string;
  body: string;
  recipients: Recipients;
}

/** Event types that notify someone (contract §7); every event type goes to the audit log. */
export const NOTIFYING_TYPES = [
  'invitation.created',
  'invitation.accepted',
  'member.left',
  'member.role_changed',
  'member.removed',
  'api_key.rotated',
  'api_key.promoted',
  'api_key.revoked',
  'api_key.expiring',
  'plan.limit_reached',
  'ownership.transferred',
  'organization.suspended',
] as const satisfies readonly (EventType & NotificationType)[];

type NotifyingType = (typeof NOTIFYING_TYPES)[number];

const isNotifying = (type: EventType): type is NotifyingType => (NOTIFYING_TYPES as readonly string[]).includes(type);

/** A string field of the event data (bounded), or undefined. */
function text(data: Record<string, unknown>, name: string): string | undefined {
  const value = data[name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 254) : undefined;
}

function application(data: Record<string, unknown>): string {
  const name = text(data, 'applicationName') ?? text(data, 'name');
  const id = text(data, 'applicationId');
  if (name) return `application ${name}`;
  return id ? `application ${id}` : 'an application';
}

const TEXTS: Record<NotifyingType, (data: Record<string, unknown>) => { title: string; body: string }> = {
  'invitation.created': (data) => ({
    title: `You are invited to join ${text(data, 'organizationName') ?? 'an organization'}`,
    body:
      `You were invited as ${text(data, 'role') ?? 'a member'}.` +
      (text(data, 'expiresAt') ? ` The invitation expires at ${text(data, 'expiresAt')}.` : ''),
  }),
  'invitation.accepted': (data) => ({
    title: 'A member joined',
    body: `${text(data, 'email') ?? text(data, 'userId') ?? 'Someone'} accepted the invitation and joined as ${text(data, 'role') ?? 'a member'}.`,
  }),
  'member.left': (data) => ({
    title: 'A member left',
    body: `${text(data, 'email') ?? text(data, 'userId') ?? 'A member'} left the organization.`,
  }),
  'member.role_changed': (data) => ({
    title: 'Your role changed',
    body: text(data, 'previousRole')
      ? `Your role changed from ${text(data, 'previousRole')} to ${text(data, 'role') ?? 'another role'}.`
      : `Your role is now ${text(data, 'role') ?? 'another role'}.`,
  }),
  'member.removed': () => ({
    title: 'You were removed from an organization',
    body: 'Your membership was removed; you no longer have access to this organization.',
  }),
  'api_key.rotated': (data) => ({
    title: 'An API key was rotated',
    body: `A next key was issued for ${application(data)}; the current and the next key both verify until it is promoted.`,
  }),
  'api_key.promoted': (data) => ({
    title: 'An API key was promoted',
    body: `The next key of ${application(data)} is now its current key.`,
  }),
  'api_key.revoked': (data) => ({
    title: 'An API key was revoked',
    body: `The current key of ${application(data)} was revoked and stopped working at once.`,
  }),
  'api_key.expiring': (data) => ({
    title: 'API keys expire soon',
    body: `The keys of ${application(data)} stop working at ${text(data, 'expiresAt') ?? 'their expiry'}: set a later expiresAt on the application, or replace it.`,
  }),
  'plan.limit_reached': (data) => ({
    title: 'Plan limit reached',
    body: `The ${text(data, 'plan') ?? 'current'} plan allows ${text(data, 'limit') ?? 'no more'} ${text(data, 'resource') ?? 'resources'}; a create was refused.`,
  }),
  'ownership.transferred': () => ({
    title: 'Ownership transferred',
    body: 'The ownership of the organization was transferred; the previous owner is now an ADMIN.',
  }),
  'organization.suspended': () => ({
    title: 'Organization suspended',
    body: 'The organization was suspended: members may still read, and every change is refused until it is reactivated.',
  }),
};

function recipientsOf(type: NotifyingType, data: Record<string, unknown>): Recipients | undefined {
  switch (type) {
    case 'invitation.created': {
      const email = text(data, 'email');
      return email ? { kind: 'email', email } : undefined;
    }
    case 'invitation.accepted':
      return { kind: 'admins', except: text(data, 'userId') };
    case 'member.left':
    case 'api_key.rotated':
    case 'api_key.promoted':
    case 'api_key.revoked':
    case 'api_key.expiring':
    case 'plan.limit_reached':
      return { kind: 'admins' };
    case 'member.role_changed':
    case 'member.removed': {
      const userId = text(data, 'userId');
      return userId ? { kind: 'users', userIds: [userId] } : undefined;
    }
    case 'ownership.transferred': {
      const userIds = [text(data, 'previousOwnerId'), text(data, 'newOwnerId')].filter((id): id is string => !!id);
      return userIds.length > 0 ? { kind: 'users', userIds: [...new Set(userIds)] } : undefined;
    }
    case 'organization.suspended':
      return { kind: 'members' };
  }
}

/** What an event notifies, to whom; undefined when it notifies nobody (it is still audited). */
export function planFor(event: DomainEvent): NotificationPlan | undefined {
  if (!isNotifying(event.type)) return undefined;
  const data = event.data ?? {};
  const recipients = recipientsOf(event.type, data);
  if (!recipients) return undefined;
  return { type: event.type, ...TEXTS[event.type](data), recipients };
}

/** The inboxes a plan reaches, given the organization's ACTIVE members when the plan needs them. */
export function inboxesOf(recipients: Recipients, members: readonly Member[]): InboxAddress[] {
  switch (recipients.kind) {
    case 'email':
      return [emailInbox(recipients.email)];
    case 'users':
      return recipients.userIds.map(userInbox);
    case 'members':
      return members.map((member) => userInbox(member.userId));
    case 'admins':
      return members
        .filter((member) => ADMIN_ROLES.includes(member.role) && member.userId !== recipients.except)
        .map((member) => userInbox(member.userId));
  }
}

/** The roles that are told of invitations accepted, members leaving, key changes and plan limits. */
export const ADMIN_ROLES: readonly OrganizationRole[] = ['OWNER', 'ADMIN'];

// ---------------------------------------------------------------------------------------------
// Broadcasts

/**
 * Does a broadcast's audience include this ACTIVE member? Everyone when it names neither roles nor
 * users; otherwise the members with one of the roles, plus the users named (a named user who is not
 * an ACTIVE member of the organization is simply not among the members: ignored, no oracle).
 */
export function inAudience(member: Member, audience: NotificationAudience): boolean {
  if (!audience.roles && !audience.userIds) return true;
  return (audience.roles?.includes(member.role) ?? false) || (audience.userIds?.includes(member.userId) ?? false);
}
