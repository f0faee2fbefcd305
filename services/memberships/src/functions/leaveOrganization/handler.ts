import { route } from '@tenantry/security';
import { leaveOrganization } from '../../domain/members';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/leave: anyone but the OWNER (204). */
export const handler = route({ operation: 'leaveOrganization', action: 'membership:leave' }, async ({ context }) => {
  await leaveOrganization(dependencies(), context);
  return {};
});
