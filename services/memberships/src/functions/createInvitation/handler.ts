import type { CreateInvitationRequest } from '@tenantry/models';
import { memberships, route } from '../../app';

export const handler = route<'invitations:manage', CreateInvitationRequest>(
  { operation: 'createInvitation', action: 'invitations:manage' },
  async ({ context, body }) => ({ body: await memberships.createInvitation(context, body) }),
);
