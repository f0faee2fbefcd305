import { memberships, route } from '../../app';

export const handler = route({ operation: 'listMyOrganizations', action: 'me:read' }, async ({ context, query }) => ({
  body: await memberships.listMyOrganizations(context, query),
}));
