import { memberships, route } from '../../app';

export const handler = route(
  { operation: 'updateMember', action: 'members:manage' },
  async ({ context, params, body }) => ({ body: await memberships.updateMember(context, params.userId!, body) }),
);
