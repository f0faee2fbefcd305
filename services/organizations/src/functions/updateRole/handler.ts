import { route } from '@tenantry/security';
import { updateRole } from '../../domain/roles';
import { dependencies } from '../../runtime';

/** PATCH /organizations/{orgId}/roles/{roleKey} (OWNER; platform OWNER): applies to every holder's next request. */
export const handler = route(
  { operation: 'updateRole', action: 'roles:manage' },
  async ({ context, params, body }) => ({
    body: await updateRole(dependencies(), context, params.roleKey!, body),
  }),
);
