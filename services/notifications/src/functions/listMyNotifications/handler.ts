import { route } from '@tenantry/security';
import { listMyNotifications } from '../../domain/inbox';
import { dependencies } from '../../runtime';

/** GET /me/notifications: my inbox and my verified email's, newest first, `?unread=true`, opaque cursor. */
export const handler = route({ operation: 'listMyNotifications', action: 'me:read' }, async ({ context, query }) => ({
  body: await listMyNotifications(dependencies(), context, query),
}));
