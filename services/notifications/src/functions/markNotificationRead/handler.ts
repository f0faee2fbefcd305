import { route } from '@tenantry/security';
import { markNotificationRead } from '../../domain/inbox';
import { dependencies } from '../../runtime';

/** POST /me/notifications/{id}/read: idempotent; 404 for anything not in my inboxes. */
export const handler = route(
  { operation: 'markNotificationRead', action: 'me:write' },
  async ({ context, params }) => ({
    body: await markNotificationRead(dependencies(), context, params.id!),
  }),
);
