import { route } from '@tenantry/security';
import { updateMember } from '../../domain/members';
import { dependencies } from '../../runtime';

/** PATCH /organizations/{orgId}/members/{userId}: a role change within §2. */
export const handler = route(
  { operation: 'updateMember', action: 'members:manage' },
  async ({ context, params, body }) => ({
    body: await updateMember(dependencies(), context, { userId: params.userId!, ...body }),
  }),
);
