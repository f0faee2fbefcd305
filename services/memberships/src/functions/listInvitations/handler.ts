import type { InvitationStatus } from '@tenantry/models';
import { memberships, type PageQuery, route } from '../../app';

export const handler = route<'invitations:read', unknown, PageQuery & { status?: InvitationStatus }>(
  { operation: 'listInvitations', action: 'invitations:read' },
  async ({ context, query }) => ({ body: await memberships.listInvitations(context, query) }),
);
