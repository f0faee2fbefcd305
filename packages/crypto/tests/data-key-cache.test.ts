import { describe, expect, it } from '@jest/globals';
import { CryptoConfigurationError, DataKeyCache, MAX_DATA_KEY_TTL_MS } from '../src';

const ref = (organizationId: string, encryptedDataKey = 'blob') => ({
  organizationId,
  keyId: 'local/platform',
  encryptedDataKey,
});

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('DataKeyCache', () => {
  it('defaults to the 5-minute bound', () => {
    expect(new DataKeyCache().ttlMs).toBe(MAX_DATA_KEY_TTL_MS);
    expect(MAX_DATA_KEY_TTL_MS).toBe(300_000);
  });

  it('refuses a TTL above 5 minutes, negative or not a number', () => {
    for (const ttlMs of [MAX_DATA_KEY_TTL_MS + 1, 3_600_000, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new DataKeyCache({ ttlMs })).toThrow(CryptoConfigurationError);
    }
    expect(new DataKeyCache({ ttlMs: MAX_DATA_KEY_TTL_MS }).ttlMs).toBe(MAX_DATA_KEY_TTL_MS);
  });

  it('serves a key until its TTL has passed, then never again', () => {
    const time = clock();
    const cache = new DataKeyCache({ ttlMs: 60_000, now: time.now });
    cache.set(ref('a'), new Uint8Array(32).fill(7));

    time.advance(59_999);
    expect(cache.get(ref('a'))?.[0]).toBe(7);
    time.advance(1);
    expect(cache.get(ref('a'))).toBeUndefined();
  });

  it('does not extend the expiry on a hit', () => {
    const time = clock();
    const cache = new DataKeyCache({ ttlMs: 60_000, now: time.now });
    cache.set(ref('a'), new Uint8Array(32));

    for (let i = 0; i < 5; i += 1) {
      time.advance(11_000);
      cache.get(ref('a'));
    }
    time.advance(5_000);

    expect(cache.get(ref('a'))).toBeUndefined();
  });

  it('zeroes a key when it expires', () => {
    const time = clock();
    const cache = new DataKeyCache({ ttlMs: 1_000, now: time.now });
    cache.set(ref('a'), new Uint8Array(32).fill(9));
    const held = cache.get(ref('a'));

    time.advance(1_000);
    expect(cache.size).toBe(0);

    expect(held?.every((byte) => byte === 0)).toBe(true);
  });

  it('keeps its own copy of a key', () => {
    const cache = new DataKeyCache();
    const key = new Uint8Array(32).fill(5);
    cache.set(ref('a'), key);

    key.fill(0);

    expect(cache.get(ref('a'))?.[0]).toBe(5);
  });

  it('keys entries by organization and encrypted blob', () => {
    const cache = new DataKeyCache();
    cache.set(ref('a', 'blob1'), new Uint8Array(32).fill(1));

    expect(cache.get(ref('b', 'blob1'))).toBeUndefined();
    expect(cache.get(ref('a', 'blob2'))).toBeUndefined();
    expect(cache.get({ ...ref('a', 'blob1'), keyId: 'other' })).toBeUndefined();
  });

  it('forgets every key of one organization, zeroing them, and only those', () => {
    const cache = new DataKeyCache();
    cache.set(ref('a', '1'), new Uint8Array(32).fill(1));
    cache.set(ref('a', '2'), new Uint8Array(32).fill(1));
    cache.set(ref('b', '1'), new Uint8Array(32).fill(2));
    const held = cache.get(ref('a', '1'));

    expect(cache.forgetOrganization('a')).toBe(2);

    expect(cache.get(ref('a', '1'))).toBeUndefined();
    expect(cache.get(ref('a', '2'))).toBeUndefined();
    expect(cache.get(ref('b', '1'))?.[0]).toBe(2);
    expect(held?.every((byte) => byte === 0)).toBe(true);
  });

  it('evicts the oldest entry beyond maxEntries', () => {
    const cache = new DataKeyCache({ maxEntries: 2 });
    cache.set(ref('a'), new Uint8Array(32));
    cache.set(ref('b'), new Uint8Array(32));
    cache.set(ref('c'), new Uint8Array(32));

    expect(cache.get(ref('a'))).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('stores nothing with a TTL of 0', () => {
    const cache = new DataKeyCache({ ttlMs: 0 });
    cache.set(ref('a'), new Uint8Array(32));

    expect(cache.enabled).toBe(false);
    expect(cache.get(ref('a'))).toBeUndefined();
  });

  it('expires an entry even when the clock steps backwards between insertions', () => {
    const time = clock(10_000);
    const cache = new DataKeyCache({ ttlMs: 1_000, now: time.now });
    cache.set(ref('a'), new Uint8Array(32));
    time.advance(-5_000);
    cache.set(ref('b'), new Uint8Array(32));
    time.advance(5_500);

    expect(cache.get(ref('b'))).toBeUndefined();
  });
});
