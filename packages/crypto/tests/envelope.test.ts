import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  CryptoConfigurationError,
  CryptoError,
  EnvelopeAuthenticationError,
  type FieldBinding,
  InvalidBindingError,
  InvalidEnvelopeError,
  isSealed,
  openField,
  openFieldText,
  sealField,
} from '../src';

const dataKey = randomBytes(32);
const binding: FieldBinding = { organizationId: 'org_a', entity: 'application/app_1', field: 'secret/stripe' };

/** Flips one bit of the base64url part `index` (2 = iv, 3 = ciphertext, 4 = tag) of an envelope. */
function tamper(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

function expectRefused(action: () => unknown, type: new (...args: never[]) => CryptoError): void {
  let result: unknown;
  let failure: unknown;
  try {
    result = action();
  } catch (error) {
    failure = error;
  }
  expect(result).toBeUndefined();
  expect(failure).toBeInstanceOf(type);
  expect(failure).toBeInstanceOf(CryptoError);
}

describe('sealField / openField', () => {
  it('round-trips a string', () => {
    const sealed = sealField(dataKey, binding, 'sk_live_51H…');

    expect(openFieldText(dataKey, binding, sealed)).toBe('sk_live_51H…');
  });

  it('round-trips bytes, including empty and large values', () => {
    for (const value of [new Uint8Array(), randomBytes(1), randomBytes(64 * 1024)]) {
      const sealed = sealField(dataKey, binding, value);

      expect(Buffer.from(openField(dataKey, binding, sealed)).equals(Buffer.from(value))).toBe(true);
    }
  });

  it('produces a self-describing v1 envelope with a 12-byte IV and a 16-byte tag', () => {
    const sealed = sealField(dataKey, binding, 'hello');

    const [prefix, version, iv, ciphertext, tag] = sealed.split(':');
    expect([prefix, version]).toEqual(['tnt', 'v1']);
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext ?? '', 'base64url')).toHaveLength(5);
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16);
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed('hello')).toBe(false);
  });

  it('never seals the same value twice to the same envelope (fresh IV)', () => {
    expect(sealField(dataKey, binding, 'same')).not.toBe(sealField(dataKey, binding, 'same'));
  });

  it('refuses another organization', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(
      () => openField(dataKey, { ...binding, organizationId: 'org_b' }, sealed),
      EnvelopeAuthenticationError,
    );
  });

  it('refuses another entity', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(
      () => openField(dataKey, { ...binding, entity: 'application/app_2' }, sealed),
      EnvelopeAuthenticationError,
    );
  });

  it('refuses another field', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(
      () => openField(dataKey, { ...binding, field: 'secret/github' }, sealed),
      EnvelopeAuthenticationError,
    );
  });

  it('refuses bindings that only differ in where the separators fall', () => {
    const a: FieldBinding = { organizationId: 'org', entity: 'a:b', field: 'c' };
    const b: FieldBinding = { organizationId: 'org', entity: 'a', field: 'b:c' };
    const sealed = sealField(dataKey, a, 'secret');

    expectRefused(() => openField(dataKey, b, sealed), EnvelopeAuthenticationError);
  });

  it('refuses another data key', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(() => openField(randomBytes(32), binding, sealed), EnvelopeAuthenticationError);
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = sealField(dataKey, binding, 'a longer secret value');

    expectRefused(() => openField(dataKey, binding, tamper(sealed, 3)), EnvelopeAuthenticationError);
    expectRefused(() => openField(dataKey, binding, tamper(sealed, 3, 20)), EnvelopeAuthenticationError);
  });

  it('refuses a tampered tag', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(() => openField(dataKey, binding, tamper(sealed, 4)), EnvelopeAuthenticationError);
    expectRefused(() => openField(dataKey, binding, tamper(sealed, 4, 15)), EnvelopeAuthenticationError);
  });

  it('refuses a tampered IV', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    expectRefused(() => openField(dataKey, binding, tamper(sealed, 2)), EnvelopeAuthenticationError);
  });

  it('refuses a truncated tag, a truncated ciphertext and a swapped ciphertext', () => {
    const sealed = sealField(dataKey, binding, 'secret');
    const other = sealField(dataKey, binding, 'public');
    const parts = sealed.split(':');
    const otherParts = other.split(':');

    expectRefused(
      () => openField(dataKey, binding, [...parts.slice(0, 4), (parts[4] ?? '').slice(0, 16)].join(':')),
      InvalidEnvelopeError,
    );
    expectRefused(
      () => openField(dataKey, binding, [...parts.slice(0, 3), (parts[3] ?? '').slice(0, 4), parts[4]].join(':')),
      EnvelopeAuthenticationError,
    );
    expectRefused(
      () => openField(dataKey, binding, [...parts.slice(0, 3), otherParts[3], parts[4]].join(':')),
      EnvelopeAuthenticationError,
    );
  });

  it('refuses values that are not v1 envelopes', () => {
    const sealed = sealField(dataKey, binding, 'secret');

    for (const value of [
      '',
      'secret',
      sealed.replace('tnt:v1', 'tnt:v2'),
      `${sealed}:extra`,
      sealed.replace(/:([^:]*)$/, ':$1='),
      sealed.replace(/:([^:]*)$/, ':+/+/'),
    ]) {
      expectRefused(() => openField(dataKey, binding, value), InvalidEnvelopeError);
    }
    expectRefused(() => openField(dataKey, binding, 42 as unknown as string), InvalidEnvelopeError);
  });

  it('refuses empty or oversized binding parts', () => {
    expectRefused(() => sealField(dataKey, { ...binding, organizationId: '' }, 'x'), InvalidBindingError);
    expectRefused(() => sealField(dataKey, { ...binding, entity: '' }, 'x'), InvalidBindingError);
    expectRefused(() => sealField(dataKey, { ...binding, field: 'f'.repeat(1025) }, 'x'), InvalidBindingError);
  });

  it('refuses a data key that is not 32 bytes', () => {
    expectRefused(() => sealField(randomBytes(16), binding, 'x'), CryptoConfigurationError);
  });
});
