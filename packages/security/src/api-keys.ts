/**
 * API keys as principals (contract §1, §6): the key format, its hash, and the resolver that turns an
 * `X-Api-Key` header into an {@link ApplicationPrincipal} with ONE strongly consistent GetItem of
 * the key's item in the applications table (`apiKeyKey(sha256(key))` of `@tenantry/dynamo`).
 *
 * The applications service issues keys (`tnt_live_` + 320 random bits, base64url) and stores only
 * their SHA-256; the key item exists exactly while the key may verify (withdraw, revoke, replace and
 * application delete remove it in the same transaction), and a `previous` key also stops at its
 * `expiresAt`. The organization's status is layer 2's business: `authorize` reads the key's
 * organization for every API-key action and answers 401 unless it is ACTIVE.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type ApiKeyRecord,
  apiKeyKey,
  applicationKey,
  documentClient,
  isConditionFailure,
  tables,
} from '@tenantry/dynamo';
import { logger } from './logger';
import { isKeyScope } from './permissions';
import { API_KEY_HEADER, type ApplicationPrincipal, type PrincipalResolver } from './principal';
import { tenantUpdate } from './tenant';

/** Every key starts with this, so it is recognisable (and findable by secret scanners). */
export const API_KEY_PREFIX = 'tnt_live_';
/** Random bytes of a key: 320 bits, so that even with its shown prefix more than 256 bits stay secret. */
export const API_KEY_RANDOM_BYTES = 40;
/** Characters of a key shown in metadata (`tnt_live_` + 7 base64url characters = 42 bits). */
export const API_KEY_SHOWN_LENGTH = API_KEY_PREFIX.length + 7;

const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{${Math.ceil((API_KEY_RANDOM_BYTES * 4) / 3)}}$`);
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Does the value have the shape of a Tenantry API key? (Nothing else is ever looked up.) */
export function isApiKeyFormat(value: unknown): value is string {
  return typeof value === 'string' && API_KEY_PATTERN.test(value);
}

/** SHA-256 of the key, hex: the only form in which a key is stored (right for 256+ bit random keys). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key that metadata may show. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_SHOWN_LENGTH);
}

/** Compares two key hashes in constant time (false for anything that is not a SHA-256 hex). */
export function sameKeyHash(a: string, b: string): boolean {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** Can this stored key verify at `now`? The rules of contract §6 on the item itself. */
export function keyVerifies(record: Pick<ApiKeyRecord, 'slot' | 'expiresAt'>, now: number): boolean {
  if (record.slot !== 'current' && record.slot !== 'next' && record.slot !== 'previous') return false;
  if (record.expiresAt !== undefined) {
    const expiresAt = Date.parse(record.expiresAt);
    if (!(expiresAt > now)) return false;
  }
  // A previous key without an end would verify forever: never.
  return record.slot !== 'previous' || record.expiresAt !== undefined;
}

/** `lastUsedAt` is written at most once per this many milliseconds per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyResolverOptions {
  /** Default: the shared document client of `@tenantry/dynamo`. */
  client?: DynamoDBDocumentClient;
  /** Default: `APPLICATIONS_TABLE`. */
  table?: () => string;
  /** Milliseconds clock (default `Date.now`). */
  now?: () => number;
  /** Records `lastUsedAt` after a successful verification (default: two conditional UpdateItems, awaited). */
  recordUse?: (record: ApiKeyRecord, at: number) => Promise<void>;
}

/**
 * The DynamoDB API-key resolver: the default application resolver of every service. One
 * strongly consistent GetItem by the key's hash (so a withdrawn, revoked or deleted key stops at
 * once), a constant-time comparison of the stored hash, the slot and grace rules, then the
 * principal: application, organization, scopes (the known scopes of the permission table only)
 * and the slot that matched. Unknown, malformed, withdrawn, revoked and expired keys all resolve to
 * nothing (the same 401). `lastUsedAt` is written at most once a minute per key, and awaited: a
 * Lambda is frozen once it answers, so a write still in flight then may never happen. That costs
 * one conditional write's round trip on the first use of a key each minute; a failure is only logged.
 *
 * IAM: `dynamodb:GetItem` and `dynamodb:UpdateItem` on the applications table.
 */
export function apiKeyResolver(options: ApiKeyResolverOptions = {}): PrincipalResolver<ApplicationPrincipal> {
  const db = () => options.client ?? documentClient();
  const table = options.table ?? tables.applications;
  const now = options.now ?? Date.now;
  /** Per container: the last time this process recorded a use of each key (bounded). */
  const recorded = new Map<string, number>();

  /** An update that only records, never failing the caller: a failed condition means "nothing to do". */
  const conditional = async (input: UpdateCommandInput): Promise<void> => {
    try {
      await db().send(new UpdateCommand(input));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  };

  /**
   * Two conditional updates side by side: the key item's `lastUsedAt` (what the next verification
   * reads to skip writing again within the minute) and the application's `lastUsed` entry of this
   * key (what `GET` of the application shows, read with the application itself). Neither bumps the
   * application's `version`, and neither creates an item that is gone.
   */
  const recordUse =
    options.recordUse ??
    (async (record: ApiKeyRecord, at: number) => {
      const scope = { organizationId: record.organizationId };
      const when = new Date(at).toISOString();
      const threshold = new Date(at - LAST_USED_RESOLUTION_MS).toISOString();
      await Promise.all([
        conditional(
          tenantUpdate(scope, {
            TableName: table(),
            Key: apiKeyKey(record.keyHash),
            UpdateExpression: 'SET lastUsedAt = :at',
            ConditionExpression: 'attribute_not_exists(lastUsedAt) OR lastUsedAt < :threshold',
            ExpressionAttributeValues: { ':at': when, ':threshold': threshold },
          }),
        ),
        conditional(
          tenantUpdate(scope, {
            TableName: table(),
            Key: applicationKey(record.organizationId, record.applicationId),
            UpdateExpression: 'SET #lastUsed.#key = :at',
            // The map exists on every application created with it; older ones simply show no use.
            ConditionExpression:
              'attribute_exists(#lastUsed) AND (attribute_not_exists(#lastUsed.#key) OR #lastUsed.#key < :threshold)',
            ExpressionAttributeNames: { '#lastUsed': 'lastUsed', '#key': record.keyHash },
            ExpressionAttributeValues: { ':at': when, ':threshold': threshold },
          }),
        ),
      ]);
    });

  async function noteUse(record: ApiKeyRecord, at: number): Promise<void> {
    const stored = record.lastUsedAt ? Date.parse(record.lastUsedAt) : Number.NEGATIVE_INFINITY;
    const local = recorded.get(record.keyHash) ?? Number.NEGATIVE_INFINITY;
    if (at - Math.max(stored, local) < LAST_USED_RESOLUTION_MS) return;
    recorded.set(record.keyHash, at);
    if (recorded.size > 1000) recorded.delete(recorded.keys().next().value as string);
    try {
      await recordUse(record, at);
    } catch (error) {
      logger.warn('lastUsedAt not recorded', { applicationId: record.applicationId, error: error as Error });
    }
  }

  return {
    kind: 'application',
    header: API_KEY_HEADER,
    async resolve(headers) {
      const key = headers[API_KEY_HEADER];
      if (!isApiKeyFormat(key)) return undefined;
      const keyHash = hashApiKey(key);
      const { Item } = await db().send(
        new GetCommand({ TableName: table(), Key: apiKeyKey(keyHash), ConsistentRead: true }),
      );
      const record = Item as (ApiKeyRecord & { entity?: string }) | undefined;
      if (record?.entity !== 'ApiKey' || typeof record.keyHash !== 'string') return undefined;
      if (!sameKeyHash(record.keyHash, keyHash)) return undefined;
      const at = now();
      if (!keyVerifies(record, at)) return undefined;
      if (typeof record.organizationId !== 'string' || typeof record.applicationId !== 'string') return undefined;
      await noteUse(record, at);
      return {
        kind: 'application',
        id: record.applicationId,
        organizationId: record.organizationId,
        scopes: (Array.isArray(record.scopes) ? record.scopes : []).filter(isKeyScope),
        keySlot: record.slot,
      };
    },
  };
}
