import { route } from '@tenantry/security';
import { applicationOfItem, applicationPrefetch } from '../../data/application-repository';
import { getApplication } from '../../domain/applications';
import { dependencies } from '../../runtime';

/**
 * GET /organizations/{orgId}/applications/{appId} (VIEWER+, platform OWNER/EMPLOYEE): key prefixes,
 * never keys. The application item is read with the organization and the membership.
 */
export const handler = route(
  {
    operation: 'getApplication',
    action: 'applications:read',
    prefetch: (organizationId, params) => [applicationPrefetch(organizationId, params.appId!)],
  },
  async ({ prefetched: [app] }) => ({ body: await getApplication(dependencies(), applicationOfItem(app)) }),
);
