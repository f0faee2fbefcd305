import { route } from '@tenantry/security';
import { acceptInvitation } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** POST /me/invitations/{invitationId}/accept: the invitee joins with the invited role (idempotent). */
export const handler = route(
  { operation: 'acceptInvitation', action: 'invitations:respond' },
  async ({ context, params }) => ({
    body: await acceptInvitation(dependencies(), context, params.invitationId!),
  }),
);
