import type { TransferOwnershipRequest } from '@tenantry/models';
import { route } from '@tenantry/security';
import { transferOwnership } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/transfer-ownership (OWNER): one transaction across both tables. */
export const handler = route<'ownership:transfer', TransferOwnershipRequest>(
  { operation: 'transferOwnership', action: 'ownership:transfer' },
  async ({ context, body }) => ({
    body: await transferOwnership(dependencies(), context, body),
  }),
);
