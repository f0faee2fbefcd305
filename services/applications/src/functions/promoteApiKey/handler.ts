import { route } from '@tenantry/security';
import { promoteApiKey } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** POST …/applications/{appId}/api-keys/promote `{graceSeconds?}` (ADMIN+, platform OWNER). */
export const handler = route(
  { operation: 'promoteApiKey', action: 'applications:manage' },
  async ({ context, params, body }) => ({ body: await promoteApiKey(dependencies(), context, params.appId!, body) }),
);
