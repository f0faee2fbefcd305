/** An encryption context: string pairs bound to a wrapped data key (KMS `EncryptionContext`). */
export type EncryptionContext = Record<string, string>;

/** A fresh data key: the plaintext (use, then forget) and the same key wrapped under `keyId`. */
export interface GeneratedDataKey {
  plaintext: Uint8Array;
  encrypted: Uint8Array;
  /** The key that wraps it, as the provider names it (KMS answers the key ARN). */
  keyId: string;
}

/** A data key wrapped again under another master key. */
export interface ReEncryptedDataKey {
  encrypted: Uint8Array;
  /** The destination key, as the provider names it (KMS answers the key ARN). */
  keyId: string;
}

/**
 * Wraps and unwraps data keys under master keys. Both implementations ({@link KmsKeyProvider},
 * {@link LocalKeyProvider}) pass one contract suite. Failures are typed: `DataKeyDecryptionError`
 * for a wrong context, a wrong key id or an altered blob; `KeyUnavailableError` for a key that cannot
 * be used; `KeyProviderError` for anything else. Returned plaintext is a fresh copy the caller owns.
 */
export interface KeyProvider {
  /** A new random AES-256 data key, wrapped under `keyId` with `context` bound to it. */
  generateDataKey(input: { keyId: string; context: EncryptionContext }): Promise<GeneratedDataKey>;
  /** The plaintext of a data key wrapped under `keyId` with exactly this `context`. */
  decryptDataKey(input: { keyId: string; encrypted: Uint8Array; context: EncryptionContext }): Promise<Uint8Array>;
  /**
   * Re-wraps a data key from `fromKeyId` to `toKeyId` keeping the same context: the data key itself,
   * and so every value sealed with it, stays the same.
   */
  reEncryptDataKey(input: {
    fromKeyId: string;
    toKeyId: string;
    encrypted: Uint8Array;
    context: EncryptionContext;
  }): Promise<ReEncryptedDataKey>;
  /**
   * Creates a master key dedicated to one organization (ENTERPRISE `dedicated` mode) and answers
   * its id (KMS: the key ARN). Optional: a provider without it cannot serve that mode.
   */
  createKey?(input: { organizationId: string; description: string }): Promise<{ keyId: string }>;
}
