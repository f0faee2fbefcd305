import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DisabledException,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { canonicalContext } from '../../src/binding';

const ACCOUNT_ARN_PREFIX = 'arn:aws:kms:eu-west-1:111122223333:key/';
const VERSION = 0x01;

/**
 * An in-memory stand-in for AWS KMS, good enough to make the KMS code path's tests meaningful: one
 * random AES-256 key per key id (created on first use, like a provisioned key), ciphertext blobs that
 * name their key, and the encryption context bound as AES-GCM associated data. Like KMS, it answers
 * `InvalidCiphertextException` for a wrong context or an altered blob, `IncorrectKeyException` when the
 * request's `KeyId` is not the key that wrapped the blob, and `DisabledException` for a disabled key.
 */
export class FakeKms {
  readonly #keys = new Map<string, Buffer>();
  readonly #disabled = new Set<string>();

  /** KMS answers the key ARN; a bare key id becomes an ARN of a fixed account. */
  static arn(keyId: string): string {
    return keyId.startsWith('arn:') ? keyId : `${ACCOUNT_ARN_PREFIX}${keyId}`;
  }

  disable(keyId: string): void {
    this.#disabled.add(FakeKms.arn(keyId));
  }

  /** CreateKey: a fresh key under a random id, answered as its ARN. */
  createKey(_input: { Description?: string; Tags?: { TagKey?: string; TagValue?: string }[] }) {
    const arn = FakeKms.arn(`${randomBytes(4).toString('hex')}-dedicated-${randomBytes(8).toString('hex')}`);
    this.#key(arn);
    return { KeyMetadata: { KeyId: arn.slice(arn.lastIndexOf('/') + 1), Arn: arn } };
  }

  generateDataKey(input: { KeyId?: string; KeySpec?: string; EncryptionContext?: Record<string, string> }) {
    if (!input.KeyId) throw notFound('KeyId is required');
    if (input.KeySpec !== 'AES_256') throw new Error(`fake KMS only supports AES_256, got ${input.KeySpec}`);
    const arn = FakeKms.arn(input.KeyId);
    const plaintext = randomBytes(32);
    return {
      KeyId: arn,
      Plaintext: new Uint8Array(plaintext),
      CiphertextBlob: this.#wrap(arn, plaintext, input.EncryptionContext ?? {}),
    };
  }

  decrypt(input: { CiphertextBlob?: Uint8Array; KeyId?: string; EncryptionContext?: Record<string, string> }) {
    const { arn, plaintext } = this.#unwrap(input.CiphertextBlob, input.KeyId, input.EncryptionContext ?? {});
    return { KeyId: arn, Plaintext: new Uint8Array(plaintext) };
  }

  reEncrypt(input: {
    CiphertextBlob?: Uint8Array;
    SourceKeyId?: string;
    SourceEncryptionContext?: Record<string, string>;
    DestinationKeyId?: string;
    DestinationEncryptionContext?: Record<string, string>;
  }) {
    if (!input.DestinationKeyId) throw notFound('DestinationKeyId is required');
    const source = this.#unwrap(input.CiphertextBlob, input.SourceKeyId, input.SourceEncryptionContext ?? {});
    const destination = FakeKms.arn(input.DestinationKeyId);
    return {
      KeyId: destination,
      SourceKeyId: source.arn,
      CiphertextBlob: this.#wrap(destination, source.plaintext, input.DestinationEncryptionContext ?? {}),
    };
  }

  #key(arn: string): Buffer {
    if (this.#disabled.has(arn)) {
      throw new DisabledException({ message: `${arn} is disabled.`, $metadata: { httpStatusCode: 400 } });
    }
    let key = this.#keys.get(arn);
    if (!key) {
      key = randomBytes(32);
      this.#keys.set(arn, key);
    }
    return key;
  }

  #wrap(arn: string, plaintext: Buffer, context: Record<string, string>): Uint8Array {
    const name = Buffer.from(arn, 'utf8');
    const header = Buffer.alloc(3);
    header.writeUInt8(VERSION, 0);
    header.writeUInt16BE(name.length, 1);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key(arn), iv);
    cipher.setAAD(Buffer.from(`${arn}\n${canonicalContext(context)}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([header, name, iv, body, cipher.getAuthTag()]));
  }

  #unwrap(
    blob: Uint8Array | undefined,
    requestedKeyId: string | undefined,
    context: Record<string, string>,
  ): { arn: string; plaintext: Buffer } {
    const bytes = Buffer.from(blob ?? new Uint8Array());
    if (bytes.length < 3 + 12 + 16 || bytes.readUInt8(0) !== VERSION) throw invalidCiphertext();
    const nameLength = bytes.readUInt16BE(1);
    const ivStart = 3 + nameLength;
    if (bytes.length < ivStart + 12 + 16) throw invalidCiphertext();
    const arn = bytes.subarray(3, ivStart).toString('utf8');
    if (!this.#keys.has(arn)) throw invalidCiphertext();
    if (requestedKeyId !== undefined && FakeKms.arn(requestedKeyId) !== arn) {
      throw new IncorrectKeyException({
        message: 'The key ID in the request does not identify a CMK that can perform this operation.',
        $metadata: { httpStatusCode: 400 },
      });
    }
    const key = this.#key(arn);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(ivStart, ivStart + 12));
    decipher.setAAD(Buffer.from(`${arn}\n${canonicalContext(context)}`, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      const plaintext = Buffer.concat([
        decipher.update(bytes.subarray(ivStart + 12, bytes.length - 16)),
        decipher.final(),
      ]);
      return { arn, plaintext };
    } catch {
      throw invalidCiphertext();
    }
  }
}

function invalidCiphertext(): InvalidCiphertextException {
  return new InvalidCiphertextException({ message: '', $metadata: { httpStatusCode: 400 } });
}

function notFound(message: string): NotFoundException {
  return new NotFoundException({ message, $metadata: { httpStatusCode: 400 } });
}

/**
 * Mocks every `KMSClient` (aws-sdk-client-mock) with a fresh {@link FakeKms} behind it. Call
 * `mock.restore()` after the test.
 */
export function mockKms(): { kms: FakeKms; mock: AwsClientStub<KMSClient> } {
  const kms = new FakeKms();
  const mock = mockClient(KMSClient);
  mock.on(GenerateDataKeyCommand).callsFake((input) => kms.generateDataKey(input));
  mock.on(DecryptCommand).callsFake((input) => kms.decrypt(input));
  mock.on(ReEncryptCommand).callsFake((input) => kms.reEncrypt(input));
  mock.on(CreateKeyCommand).callsFake((input) => kms.createKey(input));
  return { kms, mock };
}
