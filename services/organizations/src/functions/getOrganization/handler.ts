import { route } from '@tenantry/security';
import { usageOfItem, usagePrefetch } from '../../data/items';
import { getOrganization } from '../../domain/organizations';

/**
 * GET /organizations/{orgId}: members (VIEWER+) and platform OWNER/EMPLOYEE (audited by the security
 * layer). The usage item is read with the organization and the membership: one round trip.
 */
export const handler = route(
  {
    operation: 'getOrganization',
    action: 'organization:read',
    prefetch: (organizationId) => [usagePrefetch(organizationId)],
  },
  async ({ context, prefetched: [usage] }) => ({ body: getOrganization(context, usageOfItem(usage)) }),
);
