/** The caller's inbox: `GET /me/notifications`, the unread count, mark one read, mark all read. */
import { NotFoundError } from '@tenantry/errors';
import type { MarkAllReadResponse, Notification, NotificationPage, PageQuery, UnreadCount } from '@tenantry/models';
import type { UserSecurityContext } from '@tenantry/security';
import { emailInbox, type InboxAddress, toNotification, userInbox } from './model';
import type { Dependencies } from './ports';
import { NOTIFICATION_ID } from './rules';

/**
 * The inboxes of the caller: their own (by user id) and, when their token carries a verified email,
 * the inbox of that email (invitations addressed to someone who had no membership yet).
 */
export function inboxesOf(context: UserSecurityContext): InboxAddress[] {
  const { id, email, emailVerified } = context.principal;
  return email && emailVerified ? [userInbox(id), emailInbox(email)] : [userInbox(id)];
}

export async function listMyNotifications(
  deps: Dependencies,
  context: UserSecurityContext,
  query: PageQuery & { unread?: boolean | undefined },
): Promise<NotificationPage> {
  const page = await deps.inbox.list(
    inboxesOf(context),
    { unread: query.unread === true, limit: query.limit, cursor: query.cursor },
    deps.now(),
  );
  return {
    items: page.items.map((record) => toNotification(record, context.principal.id)),
    nextCursor: page.nextCursor,
  };
}

export async function getUnreadCount(deps: Dependencies, context: UserSecurityContext): Promise<UnreadCount> {
  return { count: await deps.inbox.unreadCount(inboxesOf(context), deps.now()) };
}

/** Idempotent: marking a read notification read again answers it unchanged. 404 for anything not in my inboxes. */
export async function markNotificationRead(
  deps: Dependencies,
  context: UserSecurityContext,
  id: string,
): Promise<Notification> {
  if (!NOTIFICATION_ID.test(id)) throw new NotFoundError();
  const inboxes = inboxesOf(context);
  const now = deps.now();
  const found = await deps.inbox.find(inboxes, id, now);
  if (!found) throw new NotFoundError();
  if (found.read) return toNotification(found, context.principal.id);
  const outcome = await deps.inbox.markRead(found, now);
  if (outcome === 'unchanged') {
    // Read concurrently (or expired this very moment): answer what is stored now.
    const again = await deps.inbox.find(inboxes, id, now);
    if (!again) throw new NotFoundError();
    return toNotification(again, context.principal.id);
  }
  return toNotification({ ...found, read: true, readAt: now.toISOString() }, context.principal.id);
}

/**
 * Marks every unread notification of my inboxes read, in conditional batches (each batch and its
 * counter decrement are one transaction). Idempotent and resumable: a call cut short leaves every
 * finished batch done and the counter exact, and the next call goes on with what is still unread.
 * `complete: false` says the time budget ran out first; calling again continues.
 */
export async function markAllNotificationsRead(
  deps: Dependencies,
  context: UserSecurityContext,
): Promise<MarkAllReadResponse> {
  const now = deps.now();
  const deadline = now.getTime() + deps.budgetMs;
  let updated = 0;
  for (const address of inboxesOf(context)) {
    const outcome = await deps.inbox.markAllRead(address, now, deadline);
    updated += outcome.updated;
    if (!outcome.complete) return { updated, complete: false };
  }
  return { updated, complete: true };
}
