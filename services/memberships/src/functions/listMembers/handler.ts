import { memberships, route } from '../../app';

export const handler = route({ operation: 'listMembers', action: 'members:read' }, async ({ context, query }) => ({
  body: await memberships.listMembers(context, query),
}));
