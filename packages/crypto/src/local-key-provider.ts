import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalContext } from './binding';
import { CryptoConfigurationError, DataKeyDecryptionError, KeyProviderError, KeyUnavailableError } from './errors';
import type { EncryptionContext, GeneratedDataKey, KeyProvider, ReEncryptedDataKey } from './key-provider';

const MAGIC = Buffer.from('TLK1', 'ascii');
const FINGERPRINT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const BLOB_BYTES = MAGIC.length + FINGERPRINT_BYTES + IV_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const MAX_KEY_ID_LENGTH = 2048;

interface MasterKeyFile {
  keyId: string;
  createdAt: string;
  key: string;
}

/** Which key wrapped a blob: the first 16 bytes of SHA-256 of the key id (not secret). */
function fingerprint(keyId: string): Buffer {
  return createHash('sha256').update(keyId, 'utf8').digest().subarray(0, FINGERPRINT_BYTES);
}

function checkKeyId(keyId: string): void {
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > MAX_KEY_ID_LENGTH) {
    throw new CryptoConfigurationError('a key id must be a non-empty string');
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * A {@link KeyProvider} for `npm start` and tests: one random 32-byte master key per key id, kept in a
 * file (mode 0600) inside `directory` — a git-ignored folder such as `<repo>/.local/kms` — and created
 * on first use. Any key id works: `local/platform`, or an ARN-looking string standing for a dedicated
 * or customer key. Data keys are wrapped with AES-256-GCM, the canonical JSON of the encryption context
 * (sorted keys) bound as associated data, and a fingerprint of the key id in the blob, so a wrong context
 * or key id is refused exactly as KMS refuses it.
 *
 * Nothing is read or written before the first call.
 *
 * @example
 * const provider = new LocalKeyProvider(join(repoRoot, '.local/kms'));
 */
export class LocalKeyProvider implements KeyProvider {
  readonly directory: string;
  readonly #keys = new Map<string, Promise<Buffer>>();

  constructor(directory: string) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new CryptoConfigurationError('LocalKeyProvider needs a directory');
    }
    this.directory = directory;
  }

  async generateDataKey(input: { keyId: string; context: EncryptionContext }): Promise<GeneratedDataKey> {
    const plaintext = randomFillSync(new Uint8Array(DATA_KEY_BYTES));
    const encrypted = await this.#wrap(input.keyId, plaintext, input.context);
    return { plaintext, encrypted, keyId: input.keyId };
  }

  async decryptDataKey(input: {
    keyId: string;
    encrypted: Uint8Array;
    context: EncryptionContext;
  }): Promise<Uint8Array> {
    return this.#unwrap(input.keyId, input.encrypted, input.context);
  }

  async reEncryptDataKey(input: {
    fromKeyId: string;
    toKeyId: string;
    encrypted: Uint8Array;
    context: EncryptionContext;
  }): Promise<ReEncryptedDataKey> {
    const plaintext = await this.#unwrap(input.fromKeyId, input.encrypted, input.context);
    try {
      const encrypted = await this.#wrap(input.toKeyId, plaintext, input.context);
      return { encrypted, keyId: input.toKeyId };
    } finally {
      plaintext.fill(0);
    }
  }

  /** `local/dedicated/<organizationId>`: its master key file is created on first use, like any other. */
  async createKey(input: { organizationId: string; description: string }): Promise<{ keyId: string }> {
    checkKeyId(input.organizationId);
    return { keyId: `local/dedicated/${input.organizationId}` };
  }

  async #wrap(keyId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    checkKeyId(keyId);
    const header = Buffer.concat([MAGIC, fingerprint(keyId)]);
    const aad = Buffer.concat([header, Buffer.from(canonicalContext(context), 'utf8')]);
    const master = await this.#masterKey(keyId, true);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', master, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([header, iv, body, cipher.getAuthTag()]));
  }

  async #unwrap(keyId: string, encrypted: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    checkKeyId(keyId);
    const blob = Buffer.from(encrypted);
    if (blob.length !== BLOB_BYTES || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new DataKeyDecryptionError();
    }
    const header = blob.subarray(0, MAGIC.length + FINGERPRINT_BYTES);
    if (!header.subarray(MAGIC.length).equals(fingerprint(keyId))) throw new DataKeyDecryptionError();
    const aad = Buffer.concat([header, Buffer.from(canonicalContext(context), 'utf8')]);
    const master = await this.#masterKey(keyId, false);
    const ivStart = header.length;
    const bodyStart = ivStart + IV_BYTES;
    const tagStart = bodyStart + DATA_KEY_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', master, blob.subarray(ivStart, bodyStart), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(blob.subarray(tagStart));
    const head = decipher.update(blob.subarray(bodyStart, tagStart));
    let tail: Buffer;
    try {
      tail = decipher.final();
    } catch (error) {
      head.fill(0);
      throw new DataKeyDecryptionError({ cause: error });
    }
    const plaintext = new Uint8Array(DATA_KEY_BYTES);
    plaintext.set(head, 0);
    plaintext.set(tail, head.length);
    head.fill(0);
    tail.fill(0);
    return plaintext;
  }

  #masterKey(keyId: string, create: boolean): Promise<Buffer> {
    const known = this.#keys.get(keyId);
    if (known) return known;
    const loading = this.#load(keyId, create);
    this.#keys.set(keyId, loading);
    // A failed load (a missing key on decrypt) must not stay cached: the key may be created later.
    loading.catch(() => this.#keys.delete(keyId));
    return loading;
  }

  #path(keyId: string): string {
    return join(this.directory, `${createHash('sha256').update(keyId, 'utf8').digest('hex').slice(0, 40)}.key.json`);
  }

  async #load(keyId: string, create: boolean): Promise<Buffer> {
    const path = this.#path(keyId);
    try {
      return parseKeyFile(await readFile(path, 'utf8'), keyId);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw wrapFsError(error);
      if (!create) throw new KeyUnavailableError(`no local master key for ${keyId}`, { cause: error });
    }
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      const file: MasterKeyFile = {
        keyId,
        createdAt: new Date().toISOString(),
        key: randomBytes(32).toString('base64'),
      };
      // Write a private temporary file, then link it into place: link fails if another process won
      // the race, and then both use the winner's key. Readers never see a half-written file.
      const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, `${JSON.stringify(file)}\n`, { mode: 0o600, flag: 'wx' });
      try {
        await link(temporary, path);
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
      return parseKeyFile(await readFile(path, 'utf8'), keyId);
    } catch (error) {
      throw wrapFsError(error);
    }
  }
}

function parseKeyFile(text: string, keyId: string): Buffer {
  let parsed: Partial<MasterKeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<MasterKeyFile>;
  } catch (error) {
    throw new KeyUnavailableError(`the local master key file of ${keyId} is not valid JSON`, { cause: error });
  }
  const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : undefined;
  if (parsed.keyId !== keyId || !key || key.length !== 32) {
    throw new KeyUnavailableError(`the local master key file of ${keyId} is damaged`);
  }
  return key;
}

function wrapFsError(error: unknown): Error {
  if (error instanceof KeyProviderError) return error;
  return new KeyProviderError('the local key store failed', { cause: error });
}
