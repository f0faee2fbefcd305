import { route } from '@tenantry/security';
import { restoreOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/restore: within 30 days of the delete (OWNER, platform OWNER). */
export const handler = route(
  { operation: 'restoreOrganization', action: 'organization:restore' },
  async ({ context }) => ({
    body: await restoreOrganization(dependencies(), context),
  }),
);
