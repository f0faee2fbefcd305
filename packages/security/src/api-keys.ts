/**
 * API keys as principals (contract §1, §6): the key format, its hash, and the resolver that turns an
 * `X-Api-Key` header into an {@link ApplicationPrincipal} with ONE strongly consistent GetItem of
 * the key's item in the applications table (`apiKeyKey(sha256(key))` of `@tenantry/dynamo`).
 *
 * The applications service issues keys (`tnt_live_` + 50 random base62 characters, 256 bits secret
 * beyond the shown prefix, + a
 * 6-character base62 CRC32 of everything before it, as GitHub's tokens carry one) and stores only
 * their SHA-256. The checksum lets a mistyped or truncated key be refused before any read, and lets a
 * secret scanner tell a real key from a look-alike offline. Keys issued before the checksum
 * (`tnt_live_` + 54 base64url characters) keep verifying. The key item exists exactly while the key
 * may verify (withdraw, revoke, replace and application delete remove it in the same transaction),
 * and any key stops at its item's `expiresAt` (the application's expiry, or a previous key's grace).
 * The organization's status is layer 2's business: `authorize` reads the key's
 * organization for every API-key action and answers 401 unless it is ACTIVE.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
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
/**
 * Characters of the random part: 50 base62 characters (about 297 bits), so that after the 7 that
 * metadata shows, 43 stay secret: 256 bits (43 × log2 62 ≈ 256.03).
 */
export const API_KEY_RANDOM_LENGTH = 50;
/** Characters of the checksum: base62 of the CRC32 (below 2³², which 62⁶ exceeds), zero-padded. */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Characters of a key shown in metadata (`tnt_live_` + 7 characters, about 42 bits). */
export const API_KEY_SHOWN_LENGTH = API_KEY_PREFIX.length + 7;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY_PATTERN = new RegExp(
  `^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_RANDOM_LENGTH}}[0-9A-Za-z]{${API_KEY_CHECKSUM_LENGTH}}$`,
);
/** Keys issued before the checksum: `tnt_live_` + 40 random bytes in base64url, no checksum. */
const LEGACY_API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{54}$`);
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The checksum of a key's body (prefix and random part): its CRC32 in base62, 6 characters. */
export function apiKeyChecksum(body: string): string {
  let value = crc32(body);
  let digits = '';
  for (let index = 0; index < API_KEY_CHECKSUM_LENGTH; index += 1) {
    digits = BASE62[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

/**
 * A new API key: the prefix, {@link API_KEY_RANDOM_LENGTH} uniformly random base62 characters, and
 * the checksum. Bytes of 248 and above are dropped (248 = 4 × 62), so every character is equally likely.
 */
export function newApiKey(random: (bytes: number) => Buffer = randomBytes): string {
  let chars = '';
  while (chars.length < API_KEY_RANDOM_LENGTH) {
    for (const byte of random(API_KEY_RANDOM_LENGTH)) {
      if (byte < 248 && chars.length < API_KEY_RANDOM_LENGTH) chars += BASE62[byte % 62];
    }
  }
  const body = `${API_KEY_PREFIX}${chars}`;
  return `${body}${apiKeyChecksum(body)}`;
}

/**
 * Does the value have the shape of a Tenantry API key? A key of today's format only with its
 * checksum right; a key of the format before it by its shape. Nothing else is ever looked up.
 */
export function isApiKeyFormat(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (LEGACY_API_KEY_PATTERN.test(value)) return true;
  if (!API_KEY_PATTERN.test(value)) return false;
  const split = value.length - API_KEY_CHECKSUM_LENGTH;
  return apiKeyChecksum(value.slice(0, split)) === value.slice(split);
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

/**
 * Can this stored key verify at `now`? The rules of contract §6 on the item itself: any slot stops
 * at its `expiresAt` (the application's expiry, or the end of a previous key's grace).
 */
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
