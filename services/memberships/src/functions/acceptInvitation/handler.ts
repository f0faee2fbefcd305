import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'acceptInvitation', action: 'invitations:respond' },
  async ({ context, params }) => ({ body: await memberships.acceptInvitation(context, params.invitationId!) }),
);
