import { route } from '@tenantry/security';
import { putSecret } from '../../domain/secrets';
import { dependencies } from '../../runtime';

/** PUT …/applications/{appId}/secrets/{name} `{value}` (ADMIN+ of the organization; no platform group). */
export const handler = route(
  { operation: 'putSecret', action: 'secrets:write' },
  async ({ context, params, body }) => ({
    body: await putSecret(dependencies(), context, params.appId!, params.name!, body),
  }),
);
