import { route } from '@tenantry/security';
import { withdrawNextApiKey } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** DELETE …/applications/{appId}/api-keys/next (ADMIN+, platform OWNER): the next key stops at once. */
export const handler = route(
  { operation: 'withdrawNextApiKey', action: 'applications:manage' },
  async ({ context, params }) => ({ body: await withdrawNextApiKey(dependencies(), context, params.appId!) }),
);
