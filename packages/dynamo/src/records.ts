import type { OrganizationRole } from '@tenantry/models';
import { membershipByUserKey, membershipKey } from './keys';

/**
 * A membership as every service stores and reads it (memberships table, `membershipKey(orgId, userId)`):
 * the organizations service writes the OWNER's, the memberships service everyone else's, the
 * security layer reads the caller's. Only ACTIVE memberships exist (a removed member's item is deleted).
 */
export interface MembershipRecord {
  organizationId: string;
  userId: string;
  email?: string;
  role: OrganizationRole;
  status: 'ACTIVE';
  joinedAt: string;
  updatedAt: string;
}

/** The full item of a membership: its attributes, its key and its gsi1 key, in one definition. */
export const membershipItem = (membership: MembershipRecord) => ({
  ...membershipKey(membership.organizationId, membership.userId),
  ...membershipByUserKey(membership.organizationId, membership.userId),
  entity: 'Membership',
  ...membership,
});
