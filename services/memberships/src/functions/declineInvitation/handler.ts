import { route } from '@tenantry/security';
import { declineInvitation } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** POST /me/invitations/{invitationId}/decline: the seat is freed (idempotent). */
export const handler = route(
  { operation: 'declineInvitation', action: 'invitations:respond' },
  async ({ context, params }) => ({
    body: await declineInvitation(dependencies(), context, params.invitationId!),
  }),
);
