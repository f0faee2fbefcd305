import { route } from '@tenantry/security';
import { createApplication, keyReplayProtection } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/applications (ADMIN+; the answer holds the key, so no platform group). */
export const handler = route(
  {
    operation: 'createApplication',
    action: 'api_keys:issue',
    replayProtection: keyReplayProtection(dependencies, 'apiKey'),
  },
  async ({ context, body }) => ({ body: await createApplication(dependencies(), context, body) }),
);
