import type { UpdateOrganizationRequest } from '@tenantry/models';
import { route } from '@tenantry/security';
import { updateOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** PATCH /organizations/{orgId}: name and/or metadata (ADMIN+, platform OWNER). */
export const handler = route<'organization:update', UpdateOrganizationRequest>(
  { operation: 'updateOrganization', action: 'organization:update' },
  async ({ context, body }) => ({
    body: await updateOrganization(dependencies(), context, body),
  }),
);
