import { route } from '@tenantry/security';
import { setEncryptionKey } from '../../domain/encryption-key';
import { dependencies } from '../../runtime';

/** PUT /organizations/{orgId}/encryption-key `{mode, keyArn?}` (ENTERPRISE; OWNER, platform OWNER). */
export const handler = route(
  { operation: 'setEncryptionKey', action: 'organization:encryption_key' },
  async ({ context, body }) => ({ body: await setEncryptionKey(dependencies(), context, body) }),
);
