/**
 * Keys of the items that more than one service reads or writes: the organization and its usage
 * counters (organizations table), memberships (memberships table) and API keys (applications table:
 * written by the applications service, read by the security layer of every service that takes keys). The security layer reads the
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

/**
 * The claim of an email on an organization (memberships table): one item per organization and
 * lower-cased email, so at most one PENDING invitation or ACTIVE membership per email is a key, not a
 * check. Written in the transaction that takes the seat (invitation created or resent), turned into
 * the member's at accept (the organizations service writes the OWNER's with the organization),
 * released (holder `NONE`) when the invitation leaves PENDING without a member or the member leaves.
 */
export const emailClaimKey = (organizationId: string, email: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `EMAIL#${email.trim().toLowerCase()}`,
});

/** gsi1 of the memberships table: a user's organizations (`GET /me/organizations`), no scan. */
export const membershipByUserKey = (organizationId: string, userId: string) => ({
  gsi1pk: `USER#${userId}`,
  gsi1sk: organizationPk(organizationId),
});

/**
 * An API key by the SHA-256 (hex) of the key (applications table): one strongly consistent GetItem
 * finds it, never a scan or an index. Only the hash is ever stored.
 */
export const apiKeyKey = (keyHash: string): ItemKey => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' });

/** The sort-key prefix of live applications (one organization's: `begins_with(sk, APPLICATION_PREFIX)`). */
export const APPLICATION_PREFIX = 'APP#';

/**
 * An application (applications table), in its organization's partition. Shared: the security layer
 * of every service records its keys' `lastUsedAt` on it.
 */
export const applicationKey = (organizationId: string, applicationId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${APPLICATION_PREFIX}${applicationId}`,
});

/** The sort-key prefix of an organization's custom roles (organizations table: `begins_with(sk, ROLE_PREFIX)`). */
export const ROLE_PREFIX = 'ROLE#';

/**
 * A custom role (organizations table), in its organization's partition: written by the organizations
 * service; its `holders` counter is moved by the memberships service in the transaction that gives or
 * takes the role (invitation, role change, removal), conditioned on the role still existing.
 */
export const roleKey = (organizationId: string, key: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${ROLE_PREFIX}${key}`,
});
