// Pure rules of keys, slots, views and secrets (no platform needed).

import { describe, expect, it } from '@jest/globals';
import { ConflictError, ValidationFailedError } from '@tenantry/errors';
import { hashApiKey, isApiKeyFormat, keyVerifies, sameKeyHash } from '@tenantry/security';
import type { ApplicationState, KeySlots, SlotRecord } from '../src/domain/model';
import {
  assertSecretValue,
  checkedScopes,
  DEFAULT_GRACE_SECONDS,
  EMPTY_SLOTS,
  expiryNoticeWindow,
  expiryOnCreate,
  expiryOnUpdate,
  generateApiKey,
  graceOf,
  keyExpiry,
  keyHashesOf,
  keyLifetimeCapOf,
  MAX_GRACE_SECONDS,
  promotion,
  revocation,
  rotation,
  secretBinding,
  toView,
  withdrawal,
} from '../src/domain/rules';

const NOW = new Date('2025-01-15T09:30:00.000Z');
const slot = (name: string, extra: Partial<SlotRecord> = {}): SlotRecord => ({
  keyHash: hashApiKey(`key-${name}`),
  prefix: `tnt_live_${name}`.slice(0, 16),
  createdAt: '2025-01-01T00:00:00.000Z',
  ...extra,
});
const slots = (current: SlotRecord | null, next: SlotRecord | null = null, previous: SlotRecord | null = null) =>
  ({ current, next, previous }) satisfies KeySlots;

describe('API keys', () => {
  it('are tnt_live_ + 297 random bits + a checksum, stored only as their SHA-256, shown by a 16-character prefix', () => {
    const issued = generateApiKey(NOW);
    expect(issued.key).toMatch(/^tnt_live_[0-9A-Za-z]{56}$/);
    expect(isApiKeyFormat(issued.key)).toBe(true);
    expect(issued.slot.keyHash).toBe(hashApiKey(issued.key));
    expect(issued.slot.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.slot.prefix).toBe(issued.key.slice(0, 16));
    expect(JSON.stringify(issued.slot)).not.toContain(issued.key);
    // 50 random base62 characters; 7 of them are shown: 43 × log2(62) ≈ 256.03 bits stay secret.
    expect((issued.key.length - 6 - issued.slot.prefix.length) * Math.log2(62)).toBeGreaterThanOrEqual(256);
  });

  it('never repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey(NOW).key));
    expect(keys.size).toBe(1000);
  });

  it('are compared by hash in constant time, and nothing but a SHA-256 hex compares equal', () => {
    const hash = hashApiKey('a');
    expect(sameKeyHash(hash, hashApiKey('a'))).toBe(true);
    expect(sameKeyHash(hash, hashApiKey('b'))).toBe(false);
    expect(sameKeyHash(hash, hash.toUpperCase())).toBe(false);
    expect(sameKeyHash('', '')).toBe(false);
  });

  it('refuse anything that is not the key format before any lookup', () => {
    for (const value of [
      '',
      'tnt_live_',
      `tnt_test_${'a'.repeat(54)}`,
      `tnt_live_${'a'.repeat(53)}`,
      `tnt_live_${'a'.repeat(53)}=`,
    ])
      expect(isApiKeyFormat(value)).toBe(false);
  });

  it('verify in slot current and next, and in slot previous only before its grace ends', () => {
    const now = NOW.getTime();
    expect(keyVerifies({ slot: 'current' }, now)).toBe(true);
    expect(keyVerifies({ slot: 'next' }, now)).toBe(true);
    expect(keyVerifies({ slot: 'previous', expiresAt: new Date(now + 1).toISOString() }, now)).toBe(true);
    expect(keyVerifies({ slot: 'previous', expiresAt: new Date(now).toISOString() }, now)).toBe(false);
    expect(keyVerifies({ slot: 'previous' }, now)).toBe(false);
    expect(keyVerifies({ slot: 'revoked' as never }, now)).toBe(false);
  });
});

describe('slot transitions', () => {
  it('rotate issues next while current keeps working, and refuses a second pending key', () => {
    const current = slot('cur');
    const next = slot('nxt');
    const change = rotation(slots(current), next);
    expect(change).toEqual({
      slots: slots(current, next),
      issued: { slot: 'next', record: next },
      moves: [],
      deletes: [],
    });
    expect(() => rotation(slots(current, next), slot('third'))).toThrow(ConflictError);
  });

  it('promote moves next to current and current to previous for the grace, replacing an older previous', () => {
    const [current, next, older] = [slot('cur'), slot('nxt'), slot('old', { expiresAt: '2025-01-16T00:00:00.000Z' })];
    const change = promotion(slots(current, next, older), NOW, 3600);
    const expiresAt = '2025-01-15T10:30:00.000Z';
    expect(change.slots).toEqual(slots(next, null, { ...current, expiresAt }));
    expect(change.moves).toEqual([
      { keyHash: next.keyHash, slot: 'current' },
      { keyHash: current.keyHash, slot: 'previous', expiresAt },
    ]);
    expect(change.deletes).toEqual([older.keyHash]);
  });

  it('promote with a grace of 0 stops the old key at once', () => {
    const [current, next] = [slot('cur'), slot('nxt')];
    const change = promotion(slots(current, next), NOW, 0);
    expect(change.slots).toEqual(slots(next));
    expect(change.deletes).toEqual([current.keyHash]);
  });

  it('promote after a revoke has no previous to keep', () => {
    const next = slot('nxt');
    expect(promotion(slots(null, next), NOW, 60).slots).toEqual(slots(next));
  });

  it('promote, withdraw and revoke refuse (409) when their slot is empty', () => {
    expect(() => promotion(slots(slot('cur')), NOW, 60)).toThrow(ConflictError);
    expect(() => withdrawal(slots(slot('cur')))).toThrow(ConflictError);
    expect(() => revocation(slots(null, slot('nxt')))).toThrow(ConflictError);
  });

  it('withdraw deletes next and revoke deletes current, at once', () => {
    const [current, next] = [slot('cur'), slot('nxt')];
    expect(withdrawal(slots(current, next))).toEqual({ slots: slots(current), moves: [], deletes: [next.keyHash] });
    expect(revocation(slots(current, next))).toEqual({
      slots: slots(null, next),
      moves: [],
      deletes: [current.keyHash],
    });
  });

  it('lists every key an application holds (a delete stops them all)', () => {
    const all = [slot('a'), slot('b'), slot('c')];
    expect(keyHashesOf(slots(all[0]!, all[1]!, all[2]!))).toEqual(all.map((s) => s.keyHash));
    expect(keyHashesOf(EMPTY_SLOTS)).toEqual([]);
  });

  it('takes the default grace of 86400 and refuses one outside 0..604800', () => {
    expect(graceOf(undefined)).toBe(DEFAULT_GRACE_SECONDS);
    expect(graceOf({})).toBe(86_400);
    expect(graceOf({ graceSeconds: 0 })).toBe(0);
    expect(graceOf({ graceSeconds: MAX_GRACE_SECONDS })).toBe(604_800);
    expect(() => graceOf({ graceSeconds: 604_801 })).toThrow(ValidationFailedError);
    expect(() => graceOf({ graceSeconds: 1.5 })).toThrow(ValidationFailedError);
  });
});

describe('the public view', () => {
  const app = (keys: KeySlots, lastUsed: Record<string, string> = {}): ApplicationState => ({
    id: 'app_1',
    organizationId: 'org_1',
    name: 'Billing',
    scopes: ['applications:self', 'notifications:send'],
    keys,
    secretCount: 3,
    version: 7,
    lastUsed,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  });

  it('shows prefixes and timestamps per slot, never a hash, a version or a count', () => {
    const current = slot('cur');
    const rotatedAway = slot('old');
    const view = toView(
      app(slots(current), {
        [current.keyHash]: '2025-01-14T00:00:00.000Z',
        [rotatedAway.keyHash]: '2025-01-10T00:00:00.000Z',
      }),
      NOW,
    );
    expect(view.keys).toEqual({
      current: { prefix: current.prefix, createdAt: current.createdAt, lastUsedAt: '2025-01-14T00:00:00.000Z' },
      next: null,
      previous: null,
    });
    expect(JSON.stringify(view)).not.toContain(current.keyHash);
    expect(JSON.stringify(view)).not.toContain('2025-01-10');
    expect(Object.keys(view).sort()).toEqual([
      'createdAt',
      'id',
      'keys',
      'name',
      'organizationId',
      'scopes',
      'updatedAt',
    ]);
  });

  it('hides a previous key past its grace, whether or not TTL removed it', () => {
    const live = slot('prev', { expiresAt: '2025-01-15T09:30:00.001Z' });
    const over = slot('prev', { expiresAt: '2025-01-15T09:30:00.000Z' });
    expect(toView(app(slots(slot('c'), null, live)), NOW).keys.previous).toMatchObject({
      expiresAt: live.expiresAt,
    });
    expect(toView(app(slots(slot('c'), null, over)), NOW).keys.previous).toBeNull();
  });
});

describe('secrets', () => {
  it('accept at most 4 KiB of UTF-8, counted in bytes', () => {
    expect(() => assertSecretValue('a'.repeat(4096))).not.toThrow();
    expect(() => assertSecretValue('a'.repeat(4097))).toThrow(ValidationFailedError);
    // 1366 three-byte characters: 4098 bytes although fewer than 4096 characters.
    expect(() => assertSecretValue('€'.repeat(1366))).toThrow(ValidationFailedError);
  });

  it('are bound to their organization, application and name', () => {
    expect(secretBinding('org_1', 'app_1', 'stripe')).toEqual({
      organizationId: 'org_1',
      entity: 'application/app_1',
      field: 'secret/stripe',
    });
  });
});

const DAY = 86_400_000;
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof ValidationFailedError ? error.details : error;
  }
  return 'accepted';
};

describe("the expiry of an application's keys", () => {
  it('is optional, in the future, and at most 366 days ahead', () => {
    expect(expiryOnCreate(undefined, NOW, undefined)).toBeUndefined();
    expect(expiryOnCreate(inDays(366), NOW, undefined)).toBe(inDays(366));
    for (const late of [NOW.toISOString(), inDays(-1), new Date(NOW.getTime() + 366 * DAY + 1).toISOString(), 'soon']) {
      expect(refusal(() => expiryOnCreate(late, NOW, undefined))).toEqual([
        { field: '/expiresAt', message: expect.any(String) },
      ]);
    }
  });

  it('is normalised to UTC ISO with milliseconds, so stored expiries sort as text', () => {
    expect(expiryOnCreate('2025-02-01T10:00:00+01:00', NOW, undefined)).toBe('2025-02-01T09:00:00.000Z');
  });

  it("is capped by the organization's maxKeyLifetimeDays, which is also the default when none is asked", () => {
    expect(expiryOnCreate(inDays(30), NOW, 30)).toBe(inDays(30));
    expect(refusal(() => expiryOnCreate(inDays(31), NOW, 30))).toEqual([
      { field: '/expiresAt', message: "must be at most 30 days ahead (the organization's maxKeyLifetimeDays)" },
    ]);
    expect(expiryOnCreate(undefined, NOW, 30)).toBe(inDays(30));
  });

  it('may be removed on update only where the organization sets no cap', () => {
    expect(expiryOnUpdate(null, NOW, undefined)).toBeNull();
    expect(refusal(() => expiryOnUpdate(null, NOW, 30))).toEqual([
      { field: '/expiresAt', message: expect.any(String) },
    ]);
    expect(expiryOnUpdate(inDays(10), NOW, 30)).toBe(inDays(10));
  });

  it('reads the cap from the organization item, ignoring anything that is not a day count', () => {
    expect(keyLifetimeCapOf({ maxKeyLifetimeDays: 90 })).toBe(90);
    for (const value of [undefined, null, 0, -3, 1.5, '90']) {
      expect(keyLifetimeCapOf({ maxKeyLifetimeDays: value })).toBeUndefined();
    }
  });

  it("on a key item is the earlier of the key's grace and the application's expiry", () => {
    expect(keyExpiry(undefined, undefined)).toBeUndefined();
    expect(keyExpiry(inDays(1), undefined)).toBe(inDays(1));
    expect(keyExpiry(undefined, inDays(2))).toBe(inDays(2));
    expect(keyExpiry(inDays(3), inDays(2))).toBe(inDays(2));
    expect(keyExpiry(inDays(1), inDays(2))).toBe(inDays(1));
  });

  it('is noticed within 7 days: the index partitions of today and the 7 days after', () => {
    const window = expiryNoticeWindow(NOW);
    expect(window).toEqual({
      from: NOW.toISOString(),
      until: inDays(7),
      days: [
        '2025-01-15',
        '2025-01-16',
        '2025-01-17',
        '2025-01-18',
        '2025-01-19',
        '2025-01-20',
        '2025-01-21',
        '2025-01-22',
      ],
    });
  });

  it("stops every slot at its item's expiresAt, not only the previous one", () => {
    const now = NOW.getTime();
    for (const slotName of ['current', 'next', 'previous'] as const) {
      expect(keyVerifies({ slot: slotName, expiresAt: new Date(now).toISOString() }, now)).toBe(false);
      expect(keyVerifies({ slot: slotName, expiresAt: new Date(now + 1).toISOString() }, now)).toBe(true);
    }
  });
});

describe("the scopes of an application's keys", () => {
  const held = ['applications:read', 'notifications:send', 'organization:read', 'secrets:read'];

  it('are the key-grantable permissions the setter holds, and applications:self always', () => {
    expect(checkedScopes(['applications:self', 'notifications:send', 'organization:read'], held)).toEqual([
      'applications:self',
      'notifications:send',
      'organization:read',
    ]);
    expect(checkedScopes(['applications:self'], [])).toEqual(['applications:self']);
  });

  it('refuse, each by its index and why: unknown, not key-grantable, not held, repeated', () => {
    expect(
      refusal(() => checkedScopes(['everything', 'secrets:read', 'audit:read', 'applications:self'], held)),
    ).toEqual([
      { field: '/scopes/0', message: 'everything is not a permission' },
      { field: '/scopes/1', message: 'secrets:read cannot be granted to an API key' },
      { field: '/scopes/2', message: 'audit:read is not a permission you hold, so you cannot grant it' },
    ]);
    expect(refusal(() => checkedScopes(['notifications:send', 'notifications:send'], held))).toEqual([
      { field: '/scopes', message: 'must not repeat a scope' },
    ]);
  });
});
