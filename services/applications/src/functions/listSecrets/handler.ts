import { route } from '@tenantry/security';
import { listSecrets } from '../../domain/secrets';
import { dependencies } from '../../runtime';

/** GET …/applications/{appId}/secrets (ADMIN+): names and timestamps only. */
export const handler = route(
  { operation: 'listSecrets', action: 'secrets:read' },
  async ({ context, params, query }) => ({
    body: await listSecrets(dependencies(), context, params.appId!, query),
  }),
);
