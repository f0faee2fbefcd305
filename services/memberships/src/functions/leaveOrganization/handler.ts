import { memberships, route } from '../../app';

export const handler = route({ operation: 'leaveOrganization', action: 'membership:leave' }, async ({ context }) => {
  await memberships.leaveOrganization(context);
  return {};
});
