export {
  assertBinding,
  associatedData,
  canonicalContext,
  ENVELOPE_V1,
  type FieldBinding,
  MAX_BINDING_PART_LENGTH,
  organizationContext,
} from './binding';
export { DataKeyCache, type DataKeyCacheOptions, type DataKeyRef, MAX_DATA_KEY_TTL_MS } from './data-key-cache';
export { isSealed, openField, openFieldText, type Plaintext, sealField } from './envelope';
export {
  CryptoConfigurationError,
  CryptoError,
  DataKeyDecryptionError,
  EnvelopeAuthenticationError,
  InvalidBindingError,
  InvalidEnvelopeError,
  KeyProviderError,
  KeyUnavailableError,
  PlanNotEligibleError,
} from './errors';
export { keyProviderFromEnv, platformKeyIdFromEnv } from './from-env';
export type { EncryptionContext, GeneratedDataKey, KeyProvider, ReEncryptedDataKey } from './key-provider';
export { KmsKeyProvider, type KmsKeyProviderOptions } from './kms-key-provider';
export { LocalKeyProvider } from './local-key-provider';
export {
  type KeyChoice,
  type KeyMode,
  type OrganizationKeyRecord,
  OrganizationKeys,
  type OrganizationKeysOptions,
  organizationKeys,
  type Plan,
} from './organization-keys';
