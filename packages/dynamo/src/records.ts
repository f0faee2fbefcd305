import { membershipByUserKey, membershipKey } from './keys';

export type OrganizationRole = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER';

/** A membership as both services store it (the organizations service writes the OWNER's). */
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
