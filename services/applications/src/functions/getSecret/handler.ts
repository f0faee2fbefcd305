import { route } from '@tenantry/security';
import { getSecret } from '../../domain/secrets';
import { dependencies } from '../../runtime';

/** GET …/applications/{appId}/secrets/{name}: the plaintext, to ADMIN+ of the organization only. */
export const handler = route({ operation: 'getSecret', action: 'secrets:read' }, async ({ context, params }) => ({
  body: await getSecret(dependencies(), context, params.appId!, params.name!),
}));
