import { memberships, route } from '../../app';

export const handler = route({ operation: 'listMyInvitations', action: 'me:read' }, async ({ context, query }) => ({
  body: await memberships.listMyInvitations(context, query),
}));
