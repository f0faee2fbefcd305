import { route } from '@tenantry/security';
import { createOrganization } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations: org, slug claim, usage and OWNER membership in one transaction (201). */
export const handler = route(
  { operation: 'createOrganization', action: 'organization:create' },
  async ({ context, body }) => ({
    body: await createOrganization(dependencies(), context, body),
  }),
);
