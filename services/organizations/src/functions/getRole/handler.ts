import { route } from '@tenantry/security';
import { getRole } from '../../domain/roles';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/roles/{roleKey} (VIEWER+; platform OWNER, EMPLOYEE, audited). */
export const handler = route({ operation: 'getRole', action: 'roles:read' }, async ({ context, params }) => ({
  body: await getRole(dependencies(), context, params.roleKey!),
}));
