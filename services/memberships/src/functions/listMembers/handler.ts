import { route } from '@tenantry/security';
import { listMembers } from '../../domain/members';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/members: ACTIVE members. */
export const handler = route({ operation: 'listMembers', action: 'members:read' }, async ({ context, query }) => ({
  body: await listMembers(dependencies(), context, query),
}));
