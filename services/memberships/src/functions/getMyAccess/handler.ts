import { route } from '@tenantry/security';
import { getMyAccess } from '../../domain/members';
import { dependencies } from '../../runtime';

/**
 * GET /organizations/{orgId}/me: my role and permissions there. A user action on purpose: every
 * ACTIVE member may ask, whatever their role holds (a custom role may hold no row of the table).
 */
export const handler = route({ operation: 'getMyAccess', action: 'me:read' }, async ({ context, params }) => ({
  body: await getMyAccess(dependencies(), context, params.orgId!),
}));
