import { route } from '@tenantry/security';
import { listOrganizations } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** GET /organizations (platform OWNER/EMPLOYEE): every organization through gsi1, `?status=`, opaque cursor. */
export const handler = route(
  { operation: 'listOrganizations', action: 'organizations:list' },
  async ({ context, query }) => ({ body: await listOrganizations(dependencies(), context, query) }),
);
