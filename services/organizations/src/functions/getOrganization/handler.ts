import { route } from '@tenantry/security';
import { getOrganization } from '../../domain/organizations';
import { prefetchedUsage } from '../../runtime';

/**
 * GET /organizations/{orgId}: members (VIEWER+) and platform OWNER/EMPLOYEE (audited by the security
 * layer). The usage item is read with the organization and the membership: one round trip.
 */
export const handler = route(
  { operation: 'getOrganization', action: 'organization:read', prefetch: prefetchedUsage.keys },
  async ({ context, prefetched }) => ({ body: getOrganization(context, prefetchedUsage.of(prefetched)) }),
);
