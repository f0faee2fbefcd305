import { route } from '@tenantry/security';
import { changePlan } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/** PUT /organizations/{orgId}/plan (platform OWNER); read by every later request. */
export const handler = route({ operation: 'changePlan', action: 'plan:change' }, async ({ context, body }) => ({
  body: await changePlan(dependencies(), context, body),
}));
