import { route } from '@tenantry/security';
import { getCallingApplication } from '../../domain/applications';
import { dependencies } from '../../runtime';

/** GET /applications/me with `X-Api-Key`: the calling application, its organization and the matching slot. */
export const handler = route(
  { operation: 'getCallingApplication', action: 'applications:self' },
  async ({ context }) => ({
    body: await getCallingApplication(dependencies(), context),
  }),
);
