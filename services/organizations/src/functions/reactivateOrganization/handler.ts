import { route } from '@tenantry/security';
import { reactivateOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/reactivate (platform OWNER/EMPLOYEE). */
export const handler = route(
  { operation: 'reactivateOrganization', action: 'organization:reactivate' },
  async ({ context }) => ({
    body: await reactivateOrganization(dependencies(), context),
  }),
);
