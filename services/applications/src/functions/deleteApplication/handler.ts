import { route } from '@tenantry/security';
import { deleteApplication } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** DELETE /organizations/{orgId}/applications/{appId} (ADMIN+, platform OWNER): 204, every key stops at once. */
export const handler = route(
  { operation: 'deleteApplication', action: 'applications:manage' },
  async ({ context, params }) => {
    await deleteApplication(dependencies(), context, params.appId!);
    return {};
  },
);
