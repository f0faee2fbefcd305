import { route } from '@tenantry/security';
import { deleteOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** DELETE /organizations/{orgId}: soft delete, restorable for 30 days (OWNER, platform OWNER). */
export const handler = route(
  { operation: 'deleteOrganization', action: 'organization:delete' },
  async ({ context }) => ({
    body: await deleteOrganization(dependencies(), context),
  }),
);
