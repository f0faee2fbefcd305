import { route } from '@tenantry/security';
import { deleteRole } from '../../domain/roles';
import { dependencies } from '../../runtime';

/** DELETE /organizations/{orgId}/roles/{roleKey} (OWNER; platform OWNER): 204; 409 while anyone holds it. */
export const handler = route({ operation: 'deleteRole', action: 'roles:manage' }, async ({ context, params }) => {
  await deleteRole(dependencies(), context, params.roleKey!);
  return {};
});
