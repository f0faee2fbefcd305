import { route } from '@tenantry/security';
import { transferOwnership } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/transfer-ownership (OWNER): one transaction across both tables. */
export const handler = route(
  { operation: 'transferOwnership', action: 'ownership:transfer' },
  async ({ context, body }) => ({
    body: await transferOwnership(dependencies(), context, body),
  }),
);
