import { route } from '@tenantry/security';
import { listMyOrganizations } from '../../domain/members';
import { dependencies } from '../../runtime';

/** GET /me/organizations: my organizations with my role. */
export const handler = route({ operation: 'listMyOrganizations', action: 'me:read' }, async ({ context, query }) => ({
  body: await listMyOrganizations(dependencies(), context, query),
}));
