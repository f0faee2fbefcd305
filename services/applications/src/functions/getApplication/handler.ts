import { route } from '@tenantry/security';
import { getApplication } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/applications/{appId} (VIEWER+, platform OWNER/EMPLOYEE): key prefixes, never keys. */
export const handler = route(
  { operation: 'getApplication', action: 'applications:read' },
  async ({ context, params }) => ({
    body: await getApplication(dependencies(), context, params.appId!),
  }),
);
