import { memberships, type PageQuery, route } from '../../app';

export const handler = route<'me:read', unknown, PageQuery>(
  { operation: 'listMyInvitations', action: 'me:read' },
  async ({ context, query }) => ({ body: await memberships.listMyInvitations(context, query) }),
);
