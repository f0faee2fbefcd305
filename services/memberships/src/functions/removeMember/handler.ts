import { memberships, route } from '../../app';

export const handler = route({ operation: 'removeMember', action: 'members:manage' }, async ({ context, params }) => {
  await memberships.removeMember(context, params.userId!);
  return {};
});
