import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'revokeInvitation', action: 'invitations:manage' },
  async ({ context, params }) => ({ body: await memberships.revokeInvitation(context, params.invitationId!) }),
);
