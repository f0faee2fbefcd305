import { route } from '@tenantry/security';
import { updateApplication } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** PATCH /organizations/{orgId}/applications/{appId} (ADMIN+, platform OWNER). */
export const handler = route(
  { operation: 'updateApplication', action: 'applications:manage' },
  async ({ context, params, body }) => ({
    body: await updateApplication(dependencies(), context, params.appId!, body),
  }),
);
