import { route } from '@tenantry/security';
import { markAllNotificationsRead } from '../../domain/inbox';
import { dependencies } from '../../runtime';

/** POST /me/notifications/read-all: conditional batches, resumable (`complete: false` → call again). */
export const handler = route({ operation: 'markAllNotificationsRead', action: 'me:write' }, async ({ context }) => ({
  body: await markAllNotificationsRead(dependencies(), context),
}));
