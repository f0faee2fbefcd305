import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  documentClient,
  type MembershipRecord,
  membershipKey,
  organizationKey,
  tables,
} from '@tenantry/dynamo';
import type { OrganizationStatus } from './permissions';

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
  [attribute: string]: unknown;
}

/** The membership item (memberships table, key `membershipKey(orgId, userId)`): the one shape of `@tenantry/dynamo`. */
export type { MembershipRecord };

export interface LoadedOrganization {
  organization: OrganizationRecord | undefined;
  membership: MembershipRecord | undefined;
}

/** Layer 2's read: the organization and the caller's membership. */
export interface OrganizationStore {
  load(organizationId: string, userId: string | undefined): Promise<LoadedOrganization>;
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
    async load(organizationId, userId) {
      const organizationsTable = tables.organizations();
      const membershipsTable = tables.memberships();
      const memberKey = userId === undefined ? undefined : membershipKey(organizationId, userId);
      const found = await batchGetAll(
        client ?? documentClient(),
        {
          [organizationsTable]: { Keys: [{ ...organizationKey(organizationId) }], ConsistentRead: true },
          ...(memberKey ? { [membershipsTable]: { Keys: [{ ...memberKey }], ConsistentRead: true } } : {}),
        },
        { maxAttempts: MAX_ATTEMPTS },
      );
      const organization = found[organizationsTable]?.find((item) => item.sk === organizationKey(organizationId).sk);
      const membership = memberKey
        ? found[membershipsTable]?.find((item) => item.pk === memberKey.pk && item.sk === memberKey.sk)
        : undefined;
      return {
        organization: organization as OrganizationRecord | undefined,
        membership: membership as MembershipRecord | undefined,
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
    async load(organizationId, userId) {
      const key = JSON.stringify([organizationId, userId ?? null]);
      const hit = entries.get(key);
      const time = now();
      if (hit && hit.expiresAt > time) return hit.value;
      if (hit) entries.delete(key);
      const value = await inner.load(organizationId, userId);
      entries.set(key, { expiresAt: time + ttlMs, value });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
  };
}

/** `ORG_CONTEXT_CACHE_TTL_SECONDS`: a positive number turns the cache on; absent, 0 or invalid: off. */
export function cacheTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const ttl = Number(env.ORG_CONTEXT_CACHE_TTL_SECONDS ?? 0);
  return Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
}

/** The store used by default: DynamoDB, behind the cache when `ORG_CONTEXT_CACHE_TTL_SECONDS` > 0. */
export function defaultOrganizationStore(env: NodeJS.ProcessEnv = process.env): OrganizationStore {
  const store = dynamoOrganizationStore();
  const ttlSeconds = cacheTtlFromEnv(env);
  return ttlSeconds > 0 ? cachedOrganizationStore(store, { ttlSeconds }) : store;
}
