import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'resendInvitation', action: 'invitations:manage' },
  async ({ context, params }) => ({ body: await memberships.resendInvitation(context, params.invitationId!) }),
);
