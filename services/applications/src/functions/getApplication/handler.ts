import { route } from '@tenantry/security';
import { getApplication } from '../../domain/applications';
import { dependencies, prefetchedApplication } from '../../runtime';

/**
 * GET /organizations/{orgId}/applications/{appId} (VIEWER+, platform OWNER/EMPLOYEE): key prefixes,
 * never keys. The application item is read with the organization and the membership.
 */
export const handler = route(
  { operation: 'getApplication', action: 'applications:read', prefetch: prefetchedApplication.keys },
  async ({ prefetched }) => ({ body: await getApplication(dependencies(), prefetchedApplication.of(prefetched)) }),
);
