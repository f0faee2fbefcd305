import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { associatedData, ENVELOPE_V1, type FieldBinding } from './binding';
import { CryptoConfigurationError, EnvelopeAuthenticationError, InvalidEnvelopeError } from './errors';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PART = /^[A-Za-z0-9_-]*$/;

/** Plaintext accepted by {@link sealField}: a string is encoded as UTF-8. */
export type Plaintext = string | Uint8Array;

function checkDataKey(dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.byteLength !== KEY_BYTES) {
    throw new CryptoConfigurationError('a data key must be 32 bytes (AES-256)');
  }
}

function toBytes(plaintext: Plaintext): Uint8Array {
  if (typeof plaintext === 'string') return Buffer.from(plaintext, 'utf8');
  if (plaintext instanceof Uint8Array) return plaintext;
  throw new TypeError('plaintext must be a string or a Uint8Array');
}

function decodePart(part: string, expectedLength?: number): Buffer {
  if (!PART.test(part)) throw new InvalidEnvelopeError();
  const bytes = Buffer.from(part, 'base64url');
  // Only the canonical encoding is accepted: one envelope, one spelling.
  if (bytes.toString('base64url') !== part) throw new InvalidEnvelopeError();
  if (expectedLength !== undefined && bytes.length !== expectedLength) throw new InvalidEnvelopeError();
  return bytes;
}

/**
 * Seals one field value with AES-256-GCM under an organization's data key, binding the organization,
 * entity and field as associated data. A fresh random 96-bit IV is drawn for every call.
 *
 * The result is a self-describing string: `tnt:v1:<iv>:<ciphertext>:<tag>` (base64url, no padding).
 *
 * @example
 * const sealed = sealField(dataKey, { organizationId, entity: `application/${appId}`, field: 'secret/stripe' }, 'sk_live_…');
 */
export function sealField(dataKey: Uint8Array, binding: FieldBinding, plaintext: Plaintext): string {
  checkDataKey(dataKey);
  const aad = associatedData(binding);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(toBytes(plaintext)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [ENVELOPE_V1, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join(':');
}

/**
 * Opens a value sealed by {@link sealField}. Throws {@link InvalidEnvelopeError} for anything that is
 * not a v1 envelope and {@link EnvelopeAuthenticationError} when the binding, the data key, the
 * ciphertext, the IV or the tag differ from sealing time. It never returns unauthenticated bytes.
 *
 * @example
 * const secret = Buffer.from(openField(dataKey, binding, sealed)).toString('utf8');
 */
export function openField(dataKey: Uint8Array, binding: FieldBinding, sealed: string): Uint8Array {
  checkDataKey(dataKey);
  const aad = associatedData(binding);
  if (typeof sealed !== 'string') throw new InvalidEnvelopeError();
  const parts = sealed.split(':');
  if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== ENVELOPE_V1) throw new InvalidEnvelopeError();
  const iv = decodePart(parts[2] ?? '', IV_BYTES);
  const ciphertext = decodePart(parts[3] ?? '');
  const tag = decodePart(parts[4] ?? '', TAG_BYTES);

  const decipher = createDecipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  try {
    const tail = decipher.final();
    return Buffer.concat([head, tail]);
  } catch (error) {
    head.fill(0);
    throw new EnvelopeAuthenticationError({ cause: error });
  }
}

/** {@link openField} decoded as UTF-8. */
export function openFieldText(dataKey: Uint8Array, binding: FieldBinding, sealed: string): string {
  return Buffer.from(openField(dataKey, binding, sealed)).toString('utf8');
}

/** True when `value` looks like an envelope of a version this package reads (no cryptographic check). */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${ENVELOPE_V1}:`) && value.split(':').length === 5;
}
