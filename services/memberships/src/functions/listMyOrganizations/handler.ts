import { memberships, type PageQuery, route } from '../../app';

export const handler = route<'me:read', unknown, PageQuery>(
  { operation: 'listMyOrganizations', action: 'me:read' },
  async ({ context, query }) => ({ body: await memberships.listMyOrganizations(context, query) }),
);
