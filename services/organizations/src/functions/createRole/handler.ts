import { route } from '@tenantry/security';
import { createRole } from '../../domain/roles';
import { dependencies } from '../../runtime';

/** POST /organizations/{orgId}/roles (OWNER; platform OWNER): 201, within the plan's custom role limit. */
export const handler = route({ operation: 'createRole', action: 'roles:manage' }, async ({ context, body }) => ({
  body: await createRole(dependencies(), context, body),
}));
