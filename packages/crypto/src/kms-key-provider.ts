import {
  CreateKeyCommand,
  DecryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { config } from '@tenantry/config';
import { DataKeyDecryptionError, KeyProviderError, KeyUnavailableError } from './errors';
import type { EncryptionContext, GeneratedDataKey, KeyProvider, ReEncryptedDataKey } from './key-provider';

/** Options of {@link KmsKeyProvider}; all optional. */
export interface KmsKeyProviderOptions {
  /** A ready client (tests, custom middleware). When given, `endpoint`, `region` and `maxAttempts` are ignored. */
  client?: KMSClient;
  /** Another KMS endpoint, e.g. LocalStack. Defaults to env `KMS_ENDPOINT`; unset means the regional endpoint. */
  endpoint?: string;
  /** Defaults to the SDK's own resolution (`AWS_REGION`). */
  region?: string;
  /** SDK retry attempts; default 3. */
  maxAttempts?: number;
}

/** KMS answers these when the blob, the key id or the encryption context do not match. */
const DECRYPTION_REFUSED = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
/** KMS answers these when the key cannot be used at all (a revoked BYOK grant is AccessDenied). */
const KEY_UNAVAILABLE = new Set([
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
  'AccessDeniedException',
  'InvalidKeyUsageException',
]);

function translate(error: unknown): Error {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (typeof name === 'string' && DECRYPTION_REFUSED.has(name)) return new DataKeyDecryptionError({ cause: error });
  if (typeof name === 'string' && KEY_UNAVAILABLE.has(name)) {
    return new KeyUnavailableError('the KMS key is not available', { cause: error });
  }
  return new KeyProviderError('KMS failed', { cause: error });
}

function required(value: Uint8Array | undefined, what: string): Uint8Array {
  if (!value || value.byteLength === 0) throw new KeyProviderError(`KMS answered without ${what}`);
  return value;
}

/** A copy the caller owns; the SDK's buffer is zeroed. */
function owned(value: Uint8Array): Uint8Array {
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  value.fill(0);
  return copy;
}

/**
 * A {@link KeyProvider} on AWS KMS. Data keys come from `GenerateDataKey` (`AES_256`); decryption pins
 * the key id (`Decrypt` with `KeyId`); re-wrapping uses `ReEncrypt`, so the data key never leaves KMS
 * in plaintext while it moves from one master key to another. The client is created on first use.
 *
 * IAM: `kms:GenerateDataKey`, `kms:Decrypt`, `kms:ReEncryptFrom`, `kms:ReEncryptTo` on the platform key
 * and on every dedicated/BYOK key (a customer key policy must grant them to the platform's role).
 *
 * @example
 * const provider = new KmsKeyProvider({ endpoint: 'http://127.0.0.1:4566' });
 */
export class KmsKeyProvider implements KeyProvider {
  readonly #options: KmsKeyProviderOptions;
  #client: KMSClient | undefined;

  constructor(options: KmsKeyProviderOptions = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  get client(): KMSClient {
    if (!this.#client) {
      const endpoint = this.#options.endpoint ?? config.KMS_ENDPOINT;
      this.#client = new KMSClient({
        ...(endpoint ? { endpoint } : {}),
        ...(this.#options.region ? { region: this.#options.region } : {}),
        maxAttempts: this.#options.maxAttempts ?? 3,
        // A KMS that does not answer is a TimeoutError (→ 503 with Retry-After), not a hung function.
        requestHandler: { connectionTimeout: 1000, socketTimeout: 3000 },
      });
    }
    return this.#client;
  }

  async generateDataKey(input: { keyId: string; context: EncryptionContext }): Promise<GeneratedDataKey> {
    try {
      const output = await this.client.send(
        new GenerateDataKeyCommand({ KeyId: input.keyId, KeySpec: 'AES_256', EncryptionContext: input.context }),
      );
      const plaintext = required(output.Plaintext, 'a plaintext data key');
      if (plaintext.byteLength !== 32) throw new KeyProviderError('KMS answered a data key that is not 32 bytes');
      return {
        plaintext: owned(plaintext),
        encrypted: required(output.CiphertextBlob, 'a ciphertext blob'),
        keyId: output.KeyId ?? input.keyId,
      };
    } catch (error) {
      throw error instanceof KeyProviderError ? error : translate(error);
    }
  }

  async decryptDataKey(input: {
    keyId: string;
    encrypted: Uint8Array;
    context: EncryptionContext;
  }): Promise<Uint8Array> {
    try {
      const output = await this.client.send(
        new DecryptCommand({ KeyId: input.keyId, CiphertextBlob: input.encrypted, EncryptionContext: input.context }),
      );
      return owned(required(output.Plaintext, 'a plaintext data key'));
    } catch (error) {
      throw error instanceof KeyProviderError ? error : translate(error);
    }
  }

  /**
   * A symmetric KMS key (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`) for one organization, tagged
   * `tenantry:organizationId`, with the account's default key policy (IAM policies of the platform's
   * roles then govern its use). Needs `kms:CreateKey` and `kms:TagResource`.
   */
  async createKey(input: { organizationId: string; description: string }): Promise<{ keyId: string }> {
    try {
      const output = await this.client.send(
        new CreateKeyCommand({
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Description: input.description,
          Tags: [{ TagKey: 'tenantry:organizationId', TagValue: input.organizationId }],
        }),
      );
      const keyId = output.KeyMetadata?.Arn;
      if (!keyId) throw new KeyProviderError('KMS answered CreateKey without a key ARN');
      return { keyId };
    } catch (error) {
      throw error instanceof KeyProviderError ? error : translate(error);
    }
  }

  async reEncryptDataKey(input: {
    fromKeyId: string;
    toKeyId: string;
    encrypted: Uint8Array;
    context: EncryptionContext;
  }): Promise<ReEncryptedDataKey> {
    try {
      const output = await this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: input.encrypted,
          SourceKeyId: input.fromKeyId,
          SourceEncryptionContext: input.context,
          DestinationKeyId: input.toKeyId,
          DestinationEncryptionContext: input.context,
        }),
      );
      return { encrypted: required(output.CiphertextBlob, 'a ciphertext blob'), keyId: output.KeyId ?? input.toKeyId };
    } catch (error) {
      throw error instanceof KeyProviderError ? error : translate(error);
    }
  }
}
