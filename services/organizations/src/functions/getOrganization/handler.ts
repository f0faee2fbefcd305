import { route } from '@tenantry/security';
import { getOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}: members (VIEWER+) and platform OWNER/EMPLOYEE (audited by the security layer). */
export const handler = route({ operation: 'getOrganization', action: 'organization:read' }, async ({ context }) => ({
  body: await getOrganization(dependencies(), context),
}));
