import { route } from '@tenantry/security';
import { createInvitation } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/invitations: a PENDING invitation takes a seat (201). */
export const handler = route(
  { operation: 'createInvitation', action: 'invitations:manage' },
  async ({ context, body }) => ({
    body: await createInvitation(dependencies(), context, body),
  }),
);
