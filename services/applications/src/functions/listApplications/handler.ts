import { route } from '@tenantry/security';
import { listApplications } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/applications (VIEWER+, platform OWNER/EMPLOYEE): metadata only. */
export const handler = route(
  { operation: 'listApplications', action: 'applications:read' },
  async ({ context, query }) => ({
    body: await listApplications(dependencies(), context, query),
  }),
);
