/**
 * Every error this package throws extends {@link CryptoError} and carries a stable `code`. Messages are
 * generic on purpose (they may reach a log line, never an HTTP body); the underlying failure, when
 * there is one, is kept in `cause`.
 */
export class CryptoError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The binding (organization, entity, field) is not usable: an empty or oversized part. */
export class InvalidBindingError extends CryptoError {
  constructor(message: string) {
    super('INVALID_BINDING', message);
  }
}

/** The sealed value is not an envelope this package can read (unknown version, bad encoding, bad lengths). */
export class InvalidEnvelopeError extends CryptoError {
  constructor(message = 'the sealed value is not a valid envelope') {
    super('INVALID_ENVELOPE', message);
  }
}

/**
 * The envelope did not authenticate: it was sealed under another binding (organization, entity or
 * field) or another data key, or it was altered. No plaintext is ever returned in that case.
 */
export class EnvelopeAuthenticationError extends CryptoError {
  constructor(options?: { cause?: unknown }) {
    super('ENVELOPE_AUTHENTICATION_FAILED', 'the sealed value does not open under this binding', options);
  }
}

/** A key provider (KMS or the local one) failed for a reason other than the two below. */
export class KeyProviderError extends CryptoError {
  constructor(message = 'the key provider failed', options?: { cause?: unknown }, code = 'KEY_PROVIDER_FAILED') {
    super(code, message, options);
  }
}

/**
 * The key provider refused to decrypt an encrypted data key: wrong encryption context (another
 * organization), wrong key id, or an altered blob. KMS answers `InvalidCiphertextException` or
 * `IncorrectKeyException` in these cases.
 */
export class DataKeyDecryptionError extends KeyProviderError {
  constructor(options?: { cause?: unknown }) {
    super('the encrypted data key does not decrypt under this key and context', options, 'DATA_KEY_DECRYPTION_FAILED');
  }
}

/** The master key cannot be used: missing, disabled, pending deletion, or access denied (a revoked BYOK grant). */
export class KeyUnavailableError extends KeyProviderError {
  constructor(message = 'the master key is not available', options?: { cause?: unknown }) {
    super(message, options, 'KEY_UNAVAILABLE');
  }
}

/** Only ENTERPRISE organizations may use a dedicated key or bring their own key. */
export class PlanNotEligibleError extends CryptoError {
  constructor(message: string) {
    super('PLAN_NOT_ELIGIBLE', message);
  }
}

/** A deployment or wiring mistake: a missing variable, a cache TTL above the 5-minute bound, a bad key id. */
export class CryptoConfigurationError extends CryptoError {
  constructor(message: string) {
    super('CRYPTO_CONFIGURATION', message);
  }
}
