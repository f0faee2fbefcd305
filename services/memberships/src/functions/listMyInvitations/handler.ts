import { route } from '@tenantry/security';
import { listMyInvitations } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** GET /me/invitations: PENDING invitations to my verified email. */
export const handler = route({ operation: 'listMyInvitations', action: 'me:read' }, async ({ context, query }) => ({
  body: await listMyInvitations(dependencies(), context, query),
}));
