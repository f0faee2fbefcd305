import { route } from '@tenantry/security';
import { keyReplayProtection, rotateApiKey } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** POST …/applications/{appId}/api-keys/rotate (ADMIN+; the answer holds the next key, so no platform group). */
export const handler = route(
  {
    operation: 'rotateApiKey',
    action: 'api_keys:issue',
    replayProtection: keyReplayProtection(dependencies, 'apiKeyNext'),
  },
  async ({ context, params }) => ({ body: await rotateApiKey(dependencies(), context, params.appId!) }),
);
