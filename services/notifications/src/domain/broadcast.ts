/**
 * `POST /organizations/{orgId}/notifications`: a message to the ACTIVE members matching an audience.
 *
 * The fan-out is a queue in the table: the broadcast and one pending delivery per recipient are
 * written with BatchWriteItem; then each delivery becomes a notification in the transaction that
 * also counts it and removes the delivery. The request delivers what it can within its time budget
 * (an organization of 1,000 members fits); whatever remains is handed to a queued continuation
 * (`continueBroadcast`), which resumes from the deliveries still stored. Every step is idempotent.
 */
import type { SendNotificationRequest, SendNotificationResponse } from '@tenantry/models';
import type { OrganizationSecurityContext, TenantScope } from '@tenantry/security';
import { type BroadcastRecord, userInbox } from './model';
import type { Dependencies } from './ports';
import { expiresAtFor, inAudience, notificationId } from './rules';

/** Deliveries settled per round (each round is one read of pending deliveries). */
const ROUND = 100;

/**
 * The broadcast id: derived from the request's idempotency scope when it has one (its
 * `Idempotency-Key`, scoped to the sender, organization and route), so a client retrying a request
 * that failed half-way resumes the same broadcast instead of starting a second one, while another
 * sender using the same key starts a broadcast of their own.
 */
function broadcastIdFor(deps: Dependencies, retryScope: string | undefined): string {
  return retryScope ? `bc_${retryScope.slice(0, 32)}` : deps.newId('bc');
}

export async function sendOrganizationNotification(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: SendNotificationRequest,
  retryScope?: string | undefined,
): Promise<SendNotificationResponse> {
  const now = deps.now();
  const deadline = now.getTime() + deps.budgetMs;
  const members = await deps.members.activeMembers(context.organizationId);
  const userIds = members.filter((member) => inAudience(member, body.audience)).map((member) => member.userId);
  if (userIds.length === 0) return { recipients: 0 };
  const proposed: BroadcastRecord = {
    id: broadcastIdFor(deps, retryScope),
    organizationId: context.organizationId,
    title: body.title,
    body: body.body,
    sentBy: { kind: context.principal.kind, id: context.principal.id },
    createdAt: now.toISOString(),
  };
  const broadcast = await deps.broadcasts.create(context, proposed, userIds);
  const complete = await deliver(deps, context, broadcast, deadline);
  if (!complete) await deps.continuations.enqueue(context.organizationId, broadcast.id);
  return { recipients: userIds.length };
}

/**
 * The queued continuation: delivers what is still pending of a broadcast, and queues itself again if
 * its own budget runs out. The organization id comes from the service's own queued message, never
 * from a client.
 */
export async function continueBroadcast(deps: Dependencies, organizationId: string, broadcastId: string) {
  const deadline = deps.now().getTime() + deps.budgetMs;
  const scope: TenantScope = { organizationId };
  const broadcast = await deps.broadcasts.find(scope, broadcastId);
  if (!broadcast) return { complete: true };
  const complete = await deliver(deps, scope, broadcast, deadline);
  if (!complete) await deps.continuations.enqueue(organizationId, broadcastId);
  return { complete };
}

/** Settles pending deliveries round by round until none is left (true) or the deadline passes (false). */
export async function deliver(
  deps: Dependencies,
  scope: TenantScope,
  broadcast: BroadcastRecord,
  deadline: number,
): Promise<boolean> {
  const createdAtMs = Date.parse(broadcast.createdAt);
  const expiresAt = expiresAtFor(createdAtMs);
  // At least one round per call, so every call makes progress whatever its budget.
  for (let round = 0; ; round++) {
    const userIds = await deps.broadcasts.pending(scope, broadcast.id, ROUND);
    if (userIds.length === 0) return true;
    if (round > 0 && deps.now().getTime() >= deadline) return false;
    await deps.inbox.deliver(
      userIds.map((userId) => ({
        notification: {
          id: notificationId(createdAtMs, `${broadcast.id}|user:${userId}`),
          address: userInbox(userId),
          organizationId: broadcast.organizationId,
          type: 'organization.message',
          title: broadcast.title,
          body: broadcast.body,
          data: { broadcastId: broadcast.id, sentBy: broadcast.sentBy },
          read: false,
          createdAt: broadcast.createdAt,
          expiresAt,
        },
        delivery: { organizationId: broadcast.organizationId, broadcastId: broadcast.id, userId },
      })),
      deps.now(),
    );
  }
}
