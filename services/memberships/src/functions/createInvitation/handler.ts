import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'createInvitation', action: 'invitations:manage' },
  async ({ context, body }) => ({ body: await memberships.createInvitation(context, body) }),
);
