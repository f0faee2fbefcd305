/**
 * Hand-written shapes shared by the services' domain code and the data layer (`@tenantry/dynamo`),
 * which are not part of the contract and so not in schemas/: domain/ may import them from here,
 * never from `@tenantry/dynamo`.
 */
import type { RoleKey } from '../generated/types';

/** `?limit=&cursor=` of a list; the cursor is checked by the repository against its query. */
export interface PageQuery {
  /** Items wanted on the page (1–100 from the API). */
  limit: number;
  /** The cursor of the previous page, unchecked. */
  cursor?: string | undefined;
}

/** One page of a list: its items and the cursor of the next page (`null` on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A membership as every service stores and reads it (memberships table, `membershipKey(orgId, userId)`):
 * the organizations service writes the OWNER's, the memberships service everyone else's, the
 * security layer reads the caller's. Only ACTIVE memberships exist (a removed member's item is deleted).
 */
export interface MembershipRecord {
  organizationId: string;
  userId: string;
  email?: string;
  /** A built-in role or a custom role's key (contract §9). */
  role: RoleKey;
  status: 'ACTIVE';
  joinedAt: string;
  updatedAt: string;
}
