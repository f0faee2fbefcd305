import type { OrganizationStatus } from '@tenantry/models';
import { route } from '@tenantry/security';
import { listOrganizations } from '../../domain/organizations';
import { dependencies } from '../../runtime';

type ListQuery = { status?: OrganizationStatus; limit: number; cursor?: string };

/** GET /organizations (platform OWNER/EMPLOYEE): every organization through gsi1, `?status=`, opaque cursor. */
export const handler = route<'organizations:list', unknown, ListQuery>(
  { operation: 'listOrganizations', action: 'organizations:list' },
  async ({ context, query }) => ({ body: await listOrganizations(dependencies(), context, query) }),
);
