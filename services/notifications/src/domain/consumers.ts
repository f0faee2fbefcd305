/**
 * The event consumers (contract §7): every event becomes exactly one audit-log entry, and the events of
 * the notification list become notifications. Both are idempotent on the event `id`, so the
 * at-least-once delivery of the bus (and of the outbox relay) never creates anything twice.
 */
import { validateEvent } from '@tenantry/models';
import type { DomainEvent, InboxAddress, NotificationRecord } from './model';
import type { Delivery, Dependencies } from './ports';
import { ADMIN_ROLES, expiresAtFor, inboxesOf, isLive, notificationId, planFor } from './rules';

/** Thrown for a bus event whose detail is not a §7 event: retried, then parked in the DLQ for a human. */
export class MalformedEventError extends Error {
  constructor(details: unknown) {
    super(`not a domain event: ${JSON.stringify(details)}`);
    this.name = 'MalformedEventError';
  }
}

export function parseEvent(detail: unknown): DomainEvent {
  const result = validateEvent(detail);
  if (!result.ok) throw new MalformedEventError(result.details);
  return result.value;
}

/** Appends the event to its organization's audit log; false when it was already there (a redelivery). */
export async function recordAuditEvent(deps: Dependencies, detail: unknown): Promise<boolean> {
  return deps.audit.append(parseEvent(detail));
}

const addressSeed = (address: InboxAddress): string =>
  address.kind === 'user' ? `user:${address.userId}` : `email:${address.email}`;

/**
 * Writes the notifications an event calls for; returns how many were new. A redelivery finds the
 * event's receipt and does nothing; a retry after a partial failure writes only the missing ones
 * (each notification's id is derived from the event id and its recipient, and written only if absent).
 */
export async function notifyRecipients(deps: Dependencies, detail: unknown): Promise<number> {
  const event = parseEvent(detail);
  const plan = planFor(event);
  if (!plan) return 0;
  if (await deps.receipts.isNotified(event.id)) return 0;
  const now = deps.now();
  const createdAtMs = Date.parse(event.occurredAt);
  const expiresAt = expiresAtFor(createdAtMs);
  let created = 0;
  if (isLive(expiresAt, now.getTime())) {
    const { recipients } = plan;
    const members =
      recipients.kind === 'admins' || recipients.kind === 'members'
        ? await deps.members.activeMembers(event.organizationId, recipients.kind === 'admins' ? ADMIN_ROLES : undefined)
        : [];
    const deliveries: Delivery[] = inboxesOf(recipients, members).map((address) => ({
      notification: {
        id: notificationId(createdAtMs, `${event.id}|${addressSeed(address)}`),
        address,
        organizationId: event.organizationId,
        type: plan.type,
        title: plan.title,
        body: plan.body,
        data: { ...event.data, eventId: event.id, actor: event.actor },
        read: false,
        createdAt: new Date(createdAtMs).toISOString(),
        expiresAt,
      } satisfies NotificationRecord,
    }));
    created = await deps.inbox.deliver(deliveries, now);
  }
  await deps.receipts.markNotified(event.id, now);
  return created;
}
