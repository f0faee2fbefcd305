/**
 * Pure rules of applications, their API keys and their secrets (contract §4–§6): key generation, the
 * slot transitions (rotate, promote, withdraw, revoke), the public views, the limits. No I/O, no
 * AWS SDK; unit tests cover them directly.
 */
import { randomBytes } from 'node:crypto';
import type { FieldBinding } from '@tenantry/crypto';
import { ConflictError, InternalError, ValidationFailedError } from '@tenantry/errors';
import type { ApiKeyInfo, Application, KeyScope, KeySlot, Plan, SecretMetadata } from '@tenantry/models';
import { planLimits } from '@tenantry/models';
import { apiKeyPrefix, hashApiKey, isKeyScope, isPermission, newApiKey } from '@tenantry/security';
import type { ApplicationState, IssuedKey, KeySlots, SecretSummary, SlotRecord } from './model';

/** Grace of a promoted key when the request names none (contract §5), and its bounds. */
export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 604_800;
/** A secret's value: at most 4 KiB of UTF-8 (contract §5). */
export const MAX_SECRET_BYTES = 4096;
/** Secrets per application (beyond: 403 PLAN_LIMIT_REACHED). */
export const MAX_SECRETS_PER_APPLICATION = 50;

/**
 * A new API key (`newApiKey` of `@tenantry/security`: `tnt_live_` + 50 random base62 characters + a
 * CRC32 checksum; 256 bits stay secret beyond the shown prefix), its SHA-256 (the only form stored) and the prefix metadata may show.
 */
export function generateApiKey(now: Date, random: (bytes: number) => Buffer = randomBytes): IssuedKey {
  const key = newApiKey(random);
  return { key, slot: { keyHash: hashApiKey(key), prefix: apiKeyPrefix(key), createdAt: now.toISOString() } };
}

const DAY_MS = 86_400_000;

/** The furthest ahead an application's keys may expire, whatever the organization allows (contract §6). */
export const MAX_KEY_LIFETIME_DAYS = 366;
/** How long before its keys expire an application's ADMINs hear of it (`api_key.expiring`). */
export const EXPIRY_NOTICE_DAYS = 7;

/** The organization's cap on key lifetimes (`maxKeyLifetimeDays`, set with PATCH of the organization), if any. */
export function keyLifetimeCapOf(organization: Readonly<Record<string, unknown>>): number | undefined {
  const days = organization.maxKeyLifetimeDays;
  return typeof days === 'number' && Number.isInteger(days) && days >= 1
    ? Math.min(days, MAX_KEY_LIFETIME_DAYS)
    : undefined;
}

/**
 * A requested `expiresAt`, checked and normalised to UTC ISO (so that stored expiries sort as text):
 * strictly in the future and at most the organization's cap (else 366 days) ahead.
 */
function checkedExpiry(requested: string, now: Date, capDays: number | undefined): string {
  const at = Date.parse(requested);
  const days = capDays ?? MAX_KEY_LIFETIME_DAYS;
  const refuse = (message: string): never => {
    throw new ValidationFailedError([{ field: '/expiresAt', message }]);
  };
  if (Number.isNaN(at)) refuse('must be an ISO 8601 date-time');
  if (at <= now.getTime()) refuse('must be in the future');
  if (at > now.getTime() + days * DAY_MS) {
    refuse(
      capDays === undefined
        ? `must be at most ${MAX_KEY_LIFETIME_DAYS} days ahead`
        : `must be at most ${capDays} days ahead (the organization's maxKeyLifetimeDays)`,
    );
  }
  return new Date(at).toISOString();
}

/**
 * The expiry of a new application's keys: the one requested (checked), else, when the organization
 * caps key lifetimes, the cap from now; else none.
 */
export function expiryOnCreate(
  requested: string | undefined,
  now: Date,
  capDays: number | undefined,
): string | undefined {
  if (requested !== undefined) return checkedExpiry(requested, now, capDays);
  return capDays === undefined ? undefined : new Date(now.getTime() + capDays * DAY_MS).toISOString();
}

/** A changed expiry: checked like on create; null (no expiry) only where the organization sets no cap. */
export function expiryOnUpdate(requested: string | null, now: Date, capDays: number | undefined): string | null {
  if (requested !== null) return checkedExpiry(requested, now, capDays);
  if (capDays !== undefined) {
    throw new ValidationFailedError([
      { field: '/expiresAt', message: `may not be null: the organization's keys live at most ${capDays} days` },
    ]);
  }
  return null;
}

/** The expiry a key item carries: the earlier of its slot's own end (a previous key's grace) and the application's. */
export function keyExpiry(
  slotExpiresAt: string | undefined,
  applicationExpiresAt: string | undefined,
): string | undefined {
  if (slotExpiresAt === undefined) return applicationExpiresAt;
  if (applicationExpiresAt === undefined) return slotExpiresAt;
  return Date.parse(slotExpiresAt) <= Date.parse(applicationExpiresAt) ? slotExpiresAt : applicationExpiresAt;
}

/** The UTC day of an expiry: the partition of the `expiring` index where it waits for its notice. */
export const expiryDayOf = (expiresAt: string): string => expiresAt.slice(0, 10);

/**
 * The days whose partitions of the `expiring` index can hold an expiry between `now` and the notice
 * horizon ({@link EXPIRY_NOTICE_DAYS} ahead), and that horizon.
 */
export function expiryNoticeWindow(now: Date): { from: string; until: string; days: string[] } {
  const until = new Date(now.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS);
  const days: string[] = [];
  for (let day = Date.parse(expiryDayOf(now.toISOString())); day <= until.getTime(); day += DAY_MS) {
    days.push(expiryDayOf(new Date(day).toISOString()));
  }
  return { from: now.toISOString(), until: until.toISOString(), days };
}

/** The scopes of a new application's keys when the request names none. */
export const DEFAULT_SCOPES: readonly KeyScope[] = ['applications:self'];

/**
 * Scopes a setter asks for, checked (contract §6): each a permission, key-grantable, and held by the
 * setter (`held`: the permissions of their role); `applications:self` is grantable by whoever may
 * create or change the application. Every refused scope is named, with why.
 */
export function checkedScopes(requested: readonly string[], held: readonly string[]): KeyScope[] {
  const details: { field: string; message: string }[] = [];
  requested.forEach((scope, index) => {
    const field = `/scopes/${index}`;
    if (!isPermission(scope)) details.push({ field, message: `${scope} is not a permission` });
    else if (!isKeyScope(scope)) details.push({ field, message: `${scope} cannot be granted to an API key` });
    else if (scope !== 'applications:self' && !held.includes(scope)) {
      details.push({ field, message: `${scope} is not a permission you hold, so you cannot grant it` });
    }
  });
  if (new Set(requested).size !== requested.length)
    details.push({ field: '/scopes', message: 'must not repeat a scope' });
  if (details.length > 0) throw new ValidationFailedError(details);
  return requested as KeyScope[];
}

/** A key item moving to another slot (its verification rules follow the slot). */
export interface KeyMove {
  keyHash: string;
  slot: KeySlot;
  /** Set for a `previous` key: it stops verifying at this instant. */
  expiresAt?: string;
}

/**
 * What one key operation changes, computed from the slots it read: the application's slots after,
 * the key item it creates, the key items that change slot, and the key items deleted (they stop
 * verifying at once). The repository writes all of it in ONE transaction, conditional on the
 * application's version, so a concurrent change makes it fail as a whole.
 */
export interface KeyChange {
  slots: KeySlots;
  issued?: { slot: KeySlot; record: SlotRecord };
  moves: KeyMove[];
  deletes: string[];
}

/** Rotate: a new `next` key; `current` keeps working, both verify until promote. */
export function rotation(slots: KeySlots, issued: SlotRecord): KeyChange {
  if (slots.next) throw new ConflictError('A next key is already pending: promote or withdraw it first');
  return { slots: { ...slots, next: issued }, issued: { slot: 'next', record: issued }, moves: [], deletes: [] };
}

/**
 * Promote: `next` becomes `current`; the old `current` becomes `previous` and keeps verifying for
 * `graceSeconds`, then never again (with 0 it stops at once: its item is deleted). A `previous` key
 * still in its grace is replaced, and stops at once.
 */
export function promotion(slots: KeySlots, now: Date, graceSeconds: number): KeyChange {
  const next = slots.next;
  if (!next) throw new ConflictError('There is no next key to promote: rotate first');
  const moves: KeyMove[] = [{ keyHash: next.keyHash, slot: 'current' }];
  const deletes = slots.previous ? [slots.previous.keyHash] : [];
  let previous: SlotRecord | null = null;
  if (slots.current && graceSeconds > 0) {
    const expiresAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
    previous = { ...slots.current, expiresAt };
    moves.push({ keyHash: slots.current.keyHash, slot: 'previous', expiresAt });
  } else if (slots.current) {
    deletes.push(slots.current.keyHash);
  }
  const { expiresAt: _none, ...promoted } = next;
  return { slots: { current: promoted, next: null, previous }, moves, deletes };
}

/** Withdraw: the pending `next` key stops at once. */
export function withdrawal(slots: KeySlots): KeyChange {
  if (!slots.next) throw new ConflictError('There is no next key to withdraw');
  return { slots: { ...slots, next: null }, moves: [], deletes: [slots.next.keyHash] };
}

/** Revoke (emergency): the `current` key stops at once. A pending `next` key can then be promoted. */
export function revocation(slots: KeySlots): KeyChange {
  if (!slots.current) throw new ConflictError('There is no current key to revoke');
  return { slots: { ...slots, current: null }, moves: [], deletes: [slots.current.keyHash] };
}

/** Every key the application holds (deleting the application stops them all at once). */
export function keyHashesOf(slots: KeySlots): string[] {
  return [slots.current, slots.next, slots.previous].flatMap((slot) => (slot ? [slot.keyHash] : []));
}

export const EMPTY_SLOTS: KeySlots = { current: null, next: null, previous: null };

/** The grace of a promote request: the default when absent, else an integer within 0..604800. */
export function graceOf(body: { graceSeconds?: number } | undefined): number {
  const grace = body?.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
    throw new ValidationFailedError([
      { field: '/graceSeconds', message: `must be an integer from 0 to ${MAX_GRACE_SECONDS}` },
    ]);
  }
  return grace;
}

/** The plan's application limit (contract §4). */
export function applicationLimit(plan: unknown): number {
  const limits = typeof plan === 'string' && Object.hasOwn(planLimits, plan) ? planLimits[plan as Plan] : undefined;
  if (!limits) throw new InternalError(undefined, { cause: new Error(`unknown plan ${String(plan)}`) });
  return limits.applications;
}

function slotView(slot: SlotRecord | null, lastUsed: Readonly<Record<string, string>>, now: Date): ApiKeyInfo | null {
  if (!slot) return null;
  // A previous key past its grace never verifies again: it is not shown either, whatever TTL did.
  if (slot.expiresAt !== undefined && Date.parse(slot.expiresAt) <= now.getTime()) return null;
  return {
    prefix: slot.prefix,
    createdAt: slot.createdAt,
    lastUsedAt: Object.hasOwn(lastUsed, slot.keyHash) ? (lastUsed[slot.keyHash] ?? null) : null,
    ...(slot.expiresAt !== undefined ? { expiresAt: slot.expiresAt } : {}),
  };
}

/** The public view (`Application` of schemas/): key prefixes and timestamps (its own `lastUsed`), never a key or a hash. */
export function toView(app: ApplicationState, now: Date): Application {
  const { lastUsed } = app;
  return {
    id: app.id,
    organizationId: app.organizationId,
    name: app.name,
    ...(app.description !== undefined ? { description: app.description } : {}),
    scopes: [...app.scopes],
    ...(app.expiresAt !== undefined ? { expiresAt: app.expiresAt } : {}),
    keys: {
      current: slotView(app.keys.current, lastUsed, now),
      next: slotView(app.keys.next, lastUsed, now),
      previous: slotView(app.keys.previous, lastUsed, now),
    },
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/** A secret's value: at most {@link MAX_SECRET_BYTES} bytes of UTF-8 (the schema bounds characters only). */
export function assertSecretValue(value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
    throw new ValidationFailedError([
      { field: '/value', message: `must be at most ${MAX_SECRET_BYTES} bytes of UTF-8` },
    ]);
  }
}

/** What a secret's ciphertext is bound to: its organization, application and name (AES-GCM AAD). */
export function secretBinding(organizationId: string, applicationId: string, name: string): FieldBinding {
  return { organizationId, entity: `application/${applicationId}`, field: `secret/${name}` };
}

/** What a key kept for an `Idempotency-Key` replay is bound to. */
export function replayBinding(organizationId: string, applicationId: string): FieldBinding {
  return { organizationId, entity: `application/${applicationId}`, field: 'idempotency/api-key' };
}

export function toSecretMetadata(secret: SecretSummary): SecretMetadata {
  return { name: secret.name, createdAt: secret.createdAt, updatedAt: secret.updatedAt };
}
