/**
 * What the applications service stores and shows (no AWS SDK, no I/O). The public shapes come from
 * `@tenantry/models`; these are the stored states behind them.
 */
import type { Actor, KeyScope } from '@tenantry/models';

/** One filled key slot as the application item keeps it: the hash, never the key. */
export interface SlotRecord {
  keyHash: string;
  /** The first characters of the key (`tnt_live_` + 7), to recognise it. */
  prefix: string;
  createdAt: string;
  /** `previous` only: the end of its grace period. */
  expiresAt?: string;
}

export interface KeySlots {
  current: SlotRecord | null;
  next: SlotRecord | null;
  previous: SlotRecord | null;
}

/** An application as this service stores it, without the DynamoDB key attributes. */
export interface ApplicationState {
  id: string;
  organizationId: string;
  name: string;
  description?: string;
  scopes: KeyScope[];
  keys: KeySlots;
  /**
   * When every key of the application stops verifying (copied to its key items; a previous key's
   * item keeps the earlier of this and its grace). Absent: the keys do not expire.
   */
  expiresAt?: string;
  /** Set once `api_key.expiring` was written for this `expiresAt` (a new `expiresAt` removes it). */
  expiringNotifiedAt?: string;
  /** Secrets stored for this application (≤ 50), kept with the secrets in the same transactions. */
  secretCount: number;
  /** Bumped by every change: each key change is conditional on the version it was computed from. */
  version: number;
  /**
   * `lastUsedAt` of its keys, by key hash: written by the security layer of whichever service
   * verified a key, at most once a minute per key, never bumping `version`. Hashes of keys rotated
   * away stay (about 90 bytes each); only the slots' hashes are ever shown.
   */
  lastUsed: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** A key just issued: the plaintext (answered once, never stored) and what is stored. */
export interface IssuedKey {
  key: string;
  slot: SlotRecord;
}

/** A stored secret: its value sealed with `@tenantry/crypto` (never plaintext). */
export interface SecretState {
  applicationId: string;
  name: string;
  sealed: string;
  createdAt: string;
  updatedAt: string;
}

export type SecretSummary = Omit<SecretState, 'sealed'>;

/** The wrapped data key of an organization, as the organizations service stores it on its item. */
export interface DataKeyRecord {
  keyId: string;
  encryptedDataKey: string;
  mode: 'platform' | 'dedicated' | 'byok';
}

export type EventActor = Actor;
