import { route } from '@tenantry/security';
import { updateOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** PATCH /organizations/{orgId}: name and/or metadata (ADMIN+, platform OWNER). */
export const handler = route(
  { operation: 'updateOrganization', action: 'organization:update' },
  async ({ context, body }) => ({
    body: await updateOrganization(dependencies(), context, body),
  }),
);
