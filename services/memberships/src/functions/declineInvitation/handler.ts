import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'declineInvitation', action: 'invitations:respond' },
  async ({ context, params }) => ({ body: await memberships.declineInvitation(context, params.invitationId!) }),
);
