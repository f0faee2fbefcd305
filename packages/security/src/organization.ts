import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient, membershipKey, organizationKey, tables } from '@tenantry/dynamo';
import { ServiceUnavailableError } from '@tenantry/errors';
import type { OrganizationRole, OrganizationStatus } from './permissions';

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

/** The membership item (memberships table, key `membershipKey(orgId, userId)`). */
export interface MembershipRecord {
  organizationId: string;
  userId: string;
  role: OrganizationRole;
  status: string;
  email: string;
  joinedAt: string;
  [attribute: string]: unknown;
}

export interface LoadedOrganization {
  organization: OrganizationRecord | undefined;
  membership: MembershipRecord | undefined;
}

/** Layer 2's read: the organization and the caller's membership. */
export interface OrganizationStore {
  load(organizationId: string, userId: string | undefined): Promise<LoadedOrganization>;
}

const MAX_UNPROCESSED_RETRIES = 3;

/**
 * The DynamoDB store: ONE BatchGetItem across the organizations and memberships tables, strongly
 * consistent so a removed member loses access at once (unless the cache below is on). Unprocessed
 * keys (throttling) are retried a few times before giving up with 503 SERVICE_UNAVAILABLE (never a grant).
 */
export function dynamoOrganizationStore(client?: DynamoDBDocumentClient): OrganizationStore {
  return {
    async load(organizationId, userId) {
      const db = client ?? documentClient();
      const organizationsTable = tables.organizations();
      const membershipsTable = tables.memberships();
      const orgKey = organizationKey(organizationId);
      const memberKey = userId === undefined ? undefined : membershipKey(organizationId, userId);

      const requestItems: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: true }> = {};
      const add = (table: string, key: Record<string, unknown>) => {
        requestItems[table] ??= { Keys: [], ConsistentRead: true };
        requestItems[table].Keys.push(key);
      };
      add(organizationsTable, { ...orgKey });
      if (memberKey) add(membershipsTable, { ...memberKey });

      const found: Record<string, unknown>[] = [];
      let pending: typeof requestItems | undefined = requestItems;
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > MAX_UNPROCESSED_RETRIES) {
          // DynamoDB left keys unprocessed (throttling) after every retry: busy, not a bug, never a grant.
          throw new ServiceUnavailableError(undefined, {
            cause: new Error('BatchGetItem left keys unprocessed'),
          });
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const output = await db.send(new BatchGetCommand({ RequestItems: pending }));
        for (const items of Object.values(output.Responses ?? {})) found.push(...items);
        pending = output.UnprocessedKeys as typeof requestItems | undefined;
      }

      const organization = found.find((item) => item.pk === orgKey.pk && item.sk === orgKey.sk) as
        | OrganizationRecord
        | undefined;
      const membership = memberKey
        ? (found.find((item) => item.pk === memberKey.pk && item.sk === memberKey.sk) as MembershipRecord | undefined)
        : undefined;
      return { organization, membership };
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
