import { route } from '@tenantry/security';
import { listRoles } from '../../domain/roles';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/roles (VIEWER+; platform OWNER, EMPLOYEE, audited): built-in roles first. */
export const handler = route({ operation: 'listRoles', action: 'roles:read' }, async ({ context, query }) => ({
  body: await listRoles(dependencies(), context, query),
}));
