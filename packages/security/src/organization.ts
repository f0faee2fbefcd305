import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '@tenantry/config';
import {
  batchGetAll,
  documentClient,
  type MembershipRecord,
  membershipKey,
  organizationKey,
  organizationPk,
  tables,
} from '@tenantry/dynamo';
import { InternalError } from '@tenantry/errors';
import type { CustomRoles, OrganizationStatus } from './permissions';

/** The organization item (organizations table, key `organizationKey(id)`), as written by the organizations service. */
export interface OrganizationRecord {
  id: string;
  name: string;
  slug: string;
  status: OrganizationStatus;
  plan: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
  /**
   * The decision data of the organization's custom roles (contract §9), key → { baseRole,
   * permissions }: read here with the organization, so a custom role costs layer 2 no second read.
   */
  roles?: CustomRoles;
  [attribute: string]: unknown;
}

/** The membership item (memberships table, key `membershipKey(orgId, userId)`): the one shape of `@tenantry/dynamo`. */
export type { MembershipRecord };

export interface LoadedOrganization {
  organization: OrganizationRecord | undefined;
  membership: MembershipRecord | undefined;
  /** The items a route asked for (`prefetch`), in its order; undefined where none is stored. */
  prefetched?: Array<Record<string, unknown> | undefined>;
}

/**
 * An item of the organization's own partition (`pk` = `ORG#<organizationId>`) that a route reads in
 * layer 2's BatchGetItem, beside the organization and the membership (one round trip for an
 * authorized read, which perf figure R1 measures). It reaches the route's function only once layers 2 and 3 granted the request.
 */
export interface PrefetchKey {
  table: string;
  key: { pk: string; sk: string };
}

/** Layer 2's read: the organization, the caller's membership and the route's prefetched items. */
export interface OrganizationStore {
  load(
    organizationId: string,
    userId: string | undefined,
    prefetch?: readonly PrefetchKey[],
  ): Promise<LoadedOrganization>;
}

/** A prefetch outside the organization's partition is a wiring bug: refused before any read. */
export function assertOwnPartition(organizationId: string, prefetch: readonly PrefetchKey[]): void {
  const pk = organizationPk(organizationId);
  const stray = prefetch.find((item) => item.key.pk !== pk);
  if (stray) {
    throw new InternalError(undefined, {
      cause: new Error(`prefetch of ${stray.table} outside the organization's partition`),
    });
  }
}

/** Rounds of BatchGetItem for keys left unprocessed (throttling) before 503: layer 2 is on every request's path. */
const MAX_ATTEMPTS = 4;

/**
 * The DynamoDB store: ONE BatchGetItem across the organizations and memberships tables, strongly
 * consistent so a removed member loses access at once (unless the cache below is on). Unprocessed
 * keys (throttling) are asked again a few times by `batchGetAll` before it gives up with 503
 * SERVICE_UNAVAILABLE (never a grant).
 */
export function dynamoOrganizationStore(client?: DynamoDBDocumentClient): OrganizationStore {
  return {
    async load(organizationId, userId, prefetch = []) {
      assertOwnPartition(organizationId, prefetch);
      const organizationsTable = tables.organizations();
      const membershipsTable = tables.memberships();
      const memberKey = userId === undefined ? undefined : membershipKey(organizationId, userId);
      const keysByTable = new Map<string, Array<{ pk: string; sk: string }>>();
      const ask = (table: string, key: { pk: string; sk: string }) => {
        const keys = keysByTable.get(table) ?? [];
        if (!keys.some((known) => known.pk === key.pk && known.sk === key.sk)) keys.push({ pk: key.pk, sk: key.sk });
        keysByTable.set(table, keys);
      };
      ask(organizationsTable, organizationKey(organizationId));
      if (memberKey) ask(membershipsTable, memberKey);
      for (const item of prefetch) ask(item.table, item.key);
      const found = await batchGetAll(
        client ?? documentClient(),
        Object.fromEntries([...keysByTable].map(([table, Keys]) => [table, { Keys, ConsistentRead: true }])),
        { maxAttempts: MAX_ATTEMPTS },
      );
      const pick = (table: string, key: { pk: string; sk: string }) =>
        found[table]?.find((item) => item.pk === key.pk && item.sk === key.sk);
      const organization = pick(organizationsTable, organizationKey(organizationId));
      const membership = memberKey ? pick(membershipsTable, memberKey) : undefined;
      return {
        organization: organization as OrganizationRecord | undefined,
        membership: membership as MembershipRecord | undefined,
        ...(prefetch.length > 0 ? { prefetched: prefetch.map((item) => pick(item.table, item.key)) } : {}),
      };
    },
  };
}

export interface CacheOptions {
  ttlSeconds: number;
  /** Bound on entries kept per container (oldest evicted first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * An in-memory cache of layer 2's read, per container, keyed by organization AND user. Off by
 * default. When on, a membership removed (or an organization suspended/deleted) keeps its old
 * effect for at most `ttlSeconds` in each warm container: that is the bound on stale access.
 */
export function cachedOrganizationStore(inner: OrganizationStore, options: CacheOptions): OrganizationStore {
  const ttlMs = options.ttlSeconds * 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { expiresAt: number; value: LoadedOrganization }>();
  return {
    async load(organizationId, userId, prefetch = []) {
      const key = JSON.stringify([organizationId, userId ?? null]);
      const hit = entries.get(key);
      const time = now();
      // A route's prefetched items are its data, never cached: such a read goes through (in one
      // BatchGetItem still) and refreshes the entry.
      if (hit && hit.expiresAt > time && prefetch.length === 0) return hit.value;
      if (hit) entries.delete(key);
      const value = await inner.load(organizationId, userId, prefetch);
      const { prefetched: _prefetched, ...context } = value;
      entries.set(key, { expiresAt: time + ttlMs, value: context });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
  };
}

/** The store used by default: DynamoDB, behind the cache when `ORG_CONTEXT_CACHE_TTL_SECONDS` > 0 (default 0: off). */
export function defaultOrganizationStore(): OrganizationStore {
  const store = dynamoOrganizationStore();
  const ttlSeconds = config.ORG_CONTEXT_CACHE_TTL_SECONDS;
  return ttlSeconds > 0 ? cachedOrganizationStore(store, { ttlSeconds }) : store;
}
