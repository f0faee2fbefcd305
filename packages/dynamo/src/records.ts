import type { KeySlot, MembershipRecord } from '@tenantry/models';
import { apiKeyKey, emailClaimKey, membershipByUserKey, membershipKey } from './keys';

/** The full item of a membership: its attributes, its key and its gsi1 key, in one definition. */
export const membershipItem = (membership: MembershipRecord) => ({
  ...membershipKey(membership.organizationId, membership.userId),
  ...membershipByUserKey(membership.organizationId, membership.userId),
  entity: 'Membership',
  ...membership,
});

/**
 * Who holds an email's claim on an organization (see `emailClaimKey`): a PENDING invitation, a
 * member, or nobody (`NONE`: released, so that a release never fails on a claim that predates it).
 */
export type EmailClaim =
  | { organizationId: string; email: string; holder: 'INVITATION'; invitationId: string }
  | { organizationId: string; email: string; holder: 'MEMBER'; userId: string; invitationId?: string }
  | { organizationId: string; email: string; holder: 'NONE' };

/** The full item of an email's claim: its key and who holds it. */
export const emailClaimItem = (claim: EmailClaim) => ({
  ...emailClaimKey(claim.organizationId, claim.email),
  entity: 'EmailClaim',
  ...claim,
  email: claim.email.trim().toLowerCase(),
});

/**
 * An API key as the applications service stores it (applications table, `apiKeyKey(keyHash)`) and
 * the security layer of every service reads it: the hash of the key, never the key. The item
 * exists exactly while the key may verify: it is deleted in the same transaction that withdraws,
 * revokes, replaces it or deletes its application; a `previous` key also stops at `expiresAt`,
 * whether or not TTL (`ttl`, epoch seconds) has removed the item yet.
 */
export interface ApiKeyRecord {
  keyHash: string;
  organizationId: string;
  applicationId: string;
  slot: KeySlot;
  scopes: string[];
  /** The first characters of the key (shown in metadata to recognise it). */
  prefix: string;
  createdAt: string;
  /** `previous` only: the end of its grace period. */
  expiresAt?: string;
  /** Epoch seconds, DynamoDB TTL: the item may be removed after `expiresAt`. */
  ttl?: number;
  /** The last verification, written at most once a minute, before the answer (a Lambda is frozen once it answers). */
  lastUsedAt?: string;
}

/** The full item of an API key: its attributes and its key, in one definition. */
export const apiKeyItem = (record: ApiKeyRecord) => ({ ...apiKeyKey(record.keyHash), entity: 'ApiKey', ...record });
