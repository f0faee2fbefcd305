import { CryptoConfigurationError } from './errors';

/** The upper bound of a data key's life in memory: 5 minutes. No option can raise it. */
export const MAX_DATA_KEY_TTL_MS = 5 * 60 * 1000;

/** Options of {@link DataKeyCache}. */
export interface DataKeyCacheOptions {
  /** How long a decrypted data key may be reused, from the moment it was decrypted; 0 disables caching. Default and maximum: 5 minutes. */
  ttlMs?: number;
  /** At most this many keys are held; the oldest is evicted first. Default 1000. */
  maxEntries?: number;
  /** Milliseconds clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** Which wrapped data key a cache entry holds: organization + master key + encrypted blob. */
export interface DataKeyRef {
  organizationId: string;
  keyId: string;
  encryptedDataKey: string;
}

interface Entry {
  organizationId: string;
  key: Uint8Array;
  expiresAt: number;
}

const defaults = { ttlMs: MAX_DATA_KEY_TTL_MS, maxEntries: 1000, now: Date.now };

/**
 * Decrypted data keys in memory, keyed by organization, key id and encrypted blob, for at most
 * {@link MAX_DATA_KEY_TTL_MS}. The expiry is absolute (a hit does not extend it). Evicted keys are
 * overwritten with zeros; expired entries are swept on every access. Entries are held in insertion
 * order, which with one TTL is also expiry order, so a sweep stops at the first live entry.
 *
 * Keys handed out by {@link DataKeyCache.get} belong to the cache: use them synchronously, never keep them.
 */
export class DataKeyCache {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: DataKeyCacheOptions = {}) {
    const settings = { ...defaults, ...stripUndefined(options) };
    if (!Number.isFinite(settings.ttlMs) || settings.ttlMs < 0 || settings.ttlMs > MAX_DATA_KEY_TTL_MS) {
      throw new CryptoConfigurationError(`data key cache TTL must be between 0 and ${MAX_DATA_KEY_TTL_MS} ms`);
    }
    if (!Number.isInteger(settings.maxEntries) || settings.maxEntries < 1) {
      throw new CryptoConfigurationError('data key cache maxEntries must be a positive integer');
    }
    this.ttlMs = settings.ttlMs;
    this.maxEntries = settings.maxEntries;
    this.#now = settings.now;
  }

  /** False when the TTL is 0: nothing is ever stored. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Number of live entries (after sweeping expired ones). */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  get(ref: DataKeyRef): Uint8Array | undefined {
    this.#sweep();
    const id = cacheKey(ref);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    // Checked again: the sweep stops at the first live entry, and a clock may step backwards.
    if (entry.expiresAt <= this.#now()) {
      this.#drop(id);
      return undefined;
    }
    return entry.key;
  }

  /** Stores a copy of `key`; the caller keeps (and should zero) its own. */
  set(ref: DataKeyRef, key: Uint8Array): void {
    if (!this.enabled) return;
    this.#sweep();
    const id = cacheKey(ref);
    this.#drop(id);
    const copy = new Uint8Array(key.byteLength);
    copy.set(key);
    this.#entries.set(id, { organizationId: ref.organizationId, key: copy, expiresAt: this.#now() + this.ttlMs });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#drop(oldest.value);
    }
  }

  delete(ref: DataKeyRef): boolean {
    return this.#drop(cacheKey(ref));
  }

  /** Drops (and zeroes) every key of one organization; answers how many were dropped. */
  forgetOrganization(organizationId: string): number {
    let dropped = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.organizationId === organizationId && this.#drop(id)) dropped += 1;
    }
    return dropped;
  }

  clear(): void {
    for (const id of [...this.#entries.keys()]) this.#drop(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#drop(id);
    }
  }

  #drop(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    entry.key.fill(0);
    this.#entries.delete(id);
    return true;
  }
}

function cacheKey(ref: DataKeyRef): string {
  return JSON.stringify([ref.organizationId, ref.keyId, ref.encryptedDataKey]);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
