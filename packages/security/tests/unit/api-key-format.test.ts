// The API key format (contract §6): `tnt_live_` + 50 random base62 characters + a 6-character base62
// CRC32 of everything before it. A key of the format before the checksum (54 base64url characters)
// keeps its shape check; anything else is refused before any lookup.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_PREFIX,
  API_KEY_RANDOM_LENGTH,
  API_KEY_SHOWN_LENGTH,
  apiKeyChecksum,
  isApiKeyFormat,
  newApiKey,
} from '../../src/api-keys';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const fromBase62 = (digits: string) => [...digits].reduce((value, digit) => value * 62 + BASE62.indexOf(digit), 0);
const keyIndex = fc.integer({ min: API_KEY_PREFIX.length, max: API_KEY_PREFIX.length + API_KEY_RANDOM_LENGTH + 5 });
const base62Char = fc.constantFrom(...BASE62);

describe('new API keys', () => {
  it('are the prefix, 50 base62 characters and the base62 CRC32 of everything before it', () => {
    const key = newApiKey();
    expect(key).toMatch(/^tnt_live_[0-9A-Za-z]{56}$/);
    // 256 bits stay secret beyond the part metadata shows.
    expect(
      (API_KEY_RANDOM_LENGTH - (API_KEY_SHOWN_LENGTH - API_KEY_PREFIX.length)) * Math.log2(62),
    ).toBeGreaterThanOrEqual(256);
    const body = key.slice(0, -API_KEY_CHECKSUM_LENGTH);
    expect(fromBase62(key.slice(-API_KEY_CHECKSUM_LENGTH))).toBe(crc32(body));
    expect(isApiKeyFormat(key)).toBe(true);
  });

  it('pad a small checksum with zeros to 6 characters', () => {
    // crc32('') is 0: the checksum is all zeros, never shorter.
    expect(apiKeyChecksum('')).toBe('000000');
    expect(fromBase62(apiKeyChecksum('tnt_live_abc'))).toBe(crc32('tnt_live_abc'));
  });

  it('draw every character from the random bytes without bias: bytes from 248 up are skipped', () => {
    // All 255s first (every one skipped), then zeros: the key is 50 zeros whatever came before.
    let calls = 0;
    const random = (size: number) => Buffer.alloc(size, calls++ === 0 ? 255 : 0);
    const key = newApiKey(random);
    expect(key.slice(API_KEY_PREFIX.length, -API_KEY_CHECKSUM_LENGTH)).toBe('0'.repeat(API_KEY_RANDOM_LENGTH));
    expect(calls).toBe(2);
  });

  it('never repeat', () => {
    expect(new Set(Array.from({ length: 1000 }, () => newApiKey())).size).toBe(1000);
  });

  it('are refused after any one character changes (the checksum catches it)', () => {
    const key = newApiKey();
    fc.assert(
      fc.property(keyIndex, base62Char, (index, replacement) => {
        fc.pre(key[index] !== replacement);
        expect(isApiKeyFormat(`${key.slice(0, index)}${replacement}${key.slice(index + 1)}`)).toBe(false);
      }),
    );
  });

  it('are refused after two neighbouring characters swap', () => {
    const key = newApiKey();
    fc.assert(
      fc.property(fc.integer({ min: API_KEY_PREFIX.length, max: key.length - 2 }), (index) => {
        fc.pre(key[index] !== key[index + 1]);
        const swapped = `${key.slice(0, index)}${key[index + 1]}${key[index]}${key.slice(index + 2)}`;
        expect(isApiKeyFormat(swapped)).toBe(false);
      }),
    );
  });

  it('are refused truncated, extended, or with another prefix', () => {
    const key = newApiKey();
    for (const value of [key.slice(0, -1), `${key}0`, key.replace('tnt_live_', 'tnt_test_'), ` ${key}`, `${key}\n`]) {
      expect({ value, accepted: isApiKeyFormat(value) }).toEqual({ value, accepted: false });
    }
  });
});

describe('keys issued before the checksum', () => {
  it('keep their shape check: tnt_live_ + 54 base64url characters', () => {
    expect(isApiKeyFormat(`${API_KEY_PREFIX}${randomBytes(40).toString('base64url')}`)).toBe(true);
  });

  it('are refused with one character too few or too many, or outside base64url', () => {
    for (const value of [`tnt_live_${'a'.repeat(53)}`, `tnt_live_${'a'.repeat(55)}`, `tnt_live_${'a'.repeat(53)}=`]) {
      expect({ value, accepted: isApiKeyFormat(value) }).toEqual({ value, accepted: false });
    }
  });

  it('and nothing else is a key: not a string, empty, the prefix alone', () => {
    for (const value of [undefined, null, 42, '', 'tnt_live_', ['tnt_live_']])
      expect(isApiKeyFormat(value)).toBe(false);
  });
});
