import { route } from '@tenantry/security';
import { sendOrganizationNotification } from '../../domain/broadcast';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/notifications: ADMIN+, platform OWNER, or an API key with `notifications:send`. */
export const handler = route(
  { operation: 'sendOrganizationNotification', action: 'notifications:send' },
  async ({ context, body, idempotencyScope }) => ({
    body: await sendOrganizationNotification(dependencies(), context, body, idempotencyScope),
  }),
);
