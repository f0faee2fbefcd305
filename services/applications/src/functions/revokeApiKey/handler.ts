import { route } from '@tenantry/security';
import { revokeApiKey } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** POST …/applications/{appId}/api-keys/revoke (ADMIN+, platform OWNER): the current key stops at once. */
export const handler = route(
  { operation: 'revokeApiKey', action: 'applications:manage' },
  async ({ context, params }) => ({
    body: await revokeApiKey(dependencies(), context, params.appId!),
  }),
);
