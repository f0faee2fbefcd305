import { route } from '@tenantry/security';
import { getUnreadCount } from '../../domain/inbox';
import { dependencies } from '../../runtime';

/** GET /me/notifications/unread-count: one counter read per inbox (O(1)). */
export const handler = route({ operation: 'getUnreadCount', action: 'me:read' }, async ({ context }) => ({
  body: await getUnreadCount(dependencies(), context),
}));
