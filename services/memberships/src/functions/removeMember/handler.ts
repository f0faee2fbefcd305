import { route } from '@tenantry/security';
import { removeMember } from '../../domain/members';
import { dependencies } from '../../runtime';

/** DELETE /organizations/{orgId}/members/{userId}: within §2, never the OWNER (204). */
export const handler = route({ operation: 'removeMember', action: 'members:manage' }, async ({ context, params }) => {
  await removeMember(dependencies(), context, params.userId!);
  return {};
});
