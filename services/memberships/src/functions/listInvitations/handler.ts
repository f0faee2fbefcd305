import { route } from '@tenantry/security';
import { listInvitations } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/invitations?status=: oldest first. */
export const handler = route(
  { operation: 'listInvitations', action: 'invitations:read' },
  async ({ context, query }) => ({
    body: await listInvitations(dependencies(), context, query),
  }),
);
