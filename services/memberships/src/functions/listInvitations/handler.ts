import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'listInvitations', action: 'invitations:read' },
  async ({ context, query }) => ({ body: await memberships.listInvitations(context, query) }),
);
