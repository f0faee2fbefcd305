import { route } from '@tenantry/security';
import { resendInvitation } from '../../domain/invitations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/invitations/{invitationId}/resend: PENDING again, new expiry. */
export const handler = route(
  { operation: 'resendInvitation', action: 'invitations:manage' },
  async ({ context, params }) => ({
    body: await resendInvitation(dependencies(), context, params.invitationId!),
  }),
);
