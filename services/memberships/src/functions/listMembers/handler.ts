import { memberships, type PageQuery, route } from '../../app';

export const handler = route<'members:read', unknown, PageQuery>(
  { operation: 'listMembers', action: 'members:read' },
  async ({ context, query }) => ({ body: await memberships.listMembers(context, query) }),
);
