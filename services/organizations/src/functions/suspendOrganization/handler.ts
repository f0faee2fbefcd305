import { route } from '@tenantry/security';
import { suspendOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/suspend (platform OWNER/EMPLOYEE); writes then answer 403. */
export const handler = route(
  { operation: 'suspendOrganization', action: 'organization:suspend' },
  async ({ context }) => ({
    body: await suspendOrganization(dependencies(), context),
  }),
);
