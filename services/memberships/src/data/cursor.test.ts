import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '@tenantry/errors';
import { decodeCursor, encodeCursor } from './cursor';

const shape = { equals: { pk: 'ORG#a' }, prefixes: { sk: 'MEMBER#' } };

describe('pagination cursors', () => {
  it('round-trips a key of the expected partition', () => {
    const key = { pk: 'ORG#a', sk: 'MEMBER#u1' };
    expect(decodeCursor(encodeCursor(key) ?? undefined, shape)).toEqual(key);
  });

  it('encodes no key as null (last page)', () => {
    expect(encodeCursor(undefined)).toBeNull();
  });

  it.each([
    ['another tenant', { pk: 'ORG#b', sk: 'MEMBER#u1' }],
    ['another item kind', { pk: 'ORG#a', sk: 'INVITATION#i1' }],
    ['an extra attribute', { pk: 'ORG#a', sk: 'MEMBER#u1', gsi1pk: 'USER#x' }],
    ['a missing attribute', { pk: 'ORG#a' }],
    ['a non-string value', { pk: 'ORG#a', sk: 5 }],
    ['an array', ['ORG#a']],
  ])('refuses a cursor naming %s with 400', (_name, key) => {
    const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
    expect(() => decodeCursor(cursor, shape)).toThrow(ValidationFailedError);
  });

  it.each(['not json', '%%%', 'bnVsbA', 'e30'])('refuses garbage %s with 400', (cursor) => {
    expect(() => decodeCursor(cursor, shape)).toThrow(ValidationFailedError);
  });
});
