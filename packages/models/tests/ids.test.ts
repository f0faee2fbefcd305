import { describe, expect, it } from '@jest/globals';
import { newId } from '../src/index';

describe('newId', () => {
  it('is the prefix and 128 random bits in hex, within the Id schema', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('org')));

    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^org_[0-9a-f]{32}$/);
    expect(newId('app')).toMatch(/^app_[0-9a-f]{32}$/);
    expect(newId('bc')).toMatch(/^bc_[0-9a-f]{32}$/);
  });

  it('with a time, sorts by it: 9 base36 characters of milliseconds, then 80 random bits in hex', () => {
    const now = new Date('2026-01-01T00:00:00Z');

    const first = newId('inv', { at: now });
    const later = newId('inv', { at: new Date(now.getTime() + 1) });

    expect(first).toMatch(/^inv_[0-9a-z]{9}[0-9a-f]{20}$/);
    expect(first.slice(4, 13)).toBe(now.getTime().toString(36).padStart(9, '0'));
    expect(first < later).toBe(true);
    expect(newId('inv', { at: now })).not.toBe(first);
  });
});
