/**
 * Keys of the items that more than one service reads or writes: the organization and its usage
 * counters (organizations table) and memberships (memberships table). The security layer reads the
 * organization and the caller's membership in one BatchGetItem; the organizations service writes the
 * OWNER membership with a new organization and on transfer; the memberships service writes the rest
 * and the member counter. Every table uses the generic attributes pk/sk (and gsiNpk/gsiNsk).
 */
export interface ItemKey {
  pk: string;
  sk: string;
}

export const organizationPk = (organizationId: string): string => `ORG#${organizationId}`;

export const organizationKey = (organizationId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: 'ORG',
});

/** Usage counters of an organization: `seats` (ACTIVE members + PENDING invitations) and `applications`. */
export const usageKey = (organizationId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: 'USAGE',
});

export const membershipKey = (organizationId: string, userId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `MEMBER#${userId}`,
});

/** gsi1 of the memberships table: a user's organizations (`GET /me/organizations`), no scan. */
export const membershipByUserKey = (organizationId: string, userId: string) => ({
  gsi1pk: `USER#${userId}`,
  gsi1sk: organizationPk(organizationId),
});
