/**
 * Keys of the items that more than one service reads: the organization item (organizations table)
 * and the membership item (memberships table). The security layer reads both in one BatchGetItem;
 * their owning services write them. Every table uses the generic attributes pk/sk (and gsiNpk/gsiNsk).
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

export const membershipKey = (organizationId: string, userId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `MEMBER#${userId}`,
});
