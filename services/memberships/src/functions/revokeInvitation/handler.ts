import { route } from '@tenantry/security';
import { revokeInvitation } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** DELETE /organizations/{orgId}/invitations/{invitationId}: REVOKED, the seat is freed. */
export const handler = route(
  { operation: 'revokeInvitation', action: 'invitations:manage' },
  async ({ context, params }) => ({
    body: await revokeInvitation(dependencies(), context, params.invitationId!),
  }),
);
