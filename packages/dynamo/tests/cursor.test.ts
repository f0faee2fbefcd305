import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '@tenantry/errors';
import { openapiDocument } from '@tenantry/models/openapi';
import fc from 'fast-check';
import { type CursorShape, decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../src/cursor';

const shape: CursorShape = { equals: { pk: 'ORG#a' }, prefixes: { sk: 'MEMBER#' } };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The one answer to a bad cursor: 400 VALIDATION_FAILED on `/cursor`, same message everywhere. */
function refusal(cursor: string, against: CursorShape = shape) {
  try {
    decodeCursor(cursor, against);
  } catch (error) {
    return error;
  }
  throw new Error(`cursor ${cursor} was accepted`);
}

describe('the pagination cursor', () => {
  it('round-trips a key of the expected partition', () => {
    const key = { pk: 'ORG#a', sk: 'MEMBER#u1' };
    expect(decodeCursor(encodeCursor(key) ?? undefined, shape)).toEqual(key);
  });

  it('encodes no key as null (the last page) and decodes no cursor as the first page', () => {
    expect(encodeCursor(undefined)).toBeNull();
    expect(decodeCursor(undefined, shape)).toBeUndefined();
  });

  it('accepts any non-empty value after an empty prefix', () => {
    const key = { gsi2pk: 'INVITEE#a@example.test', gsi2sk: '2025-01-01T00:00:00.000Z#inv_1' };
    expect(decodeCursor(encodeCursor(key)!, { equals: { gsi2pk: key.gsi2pk }, prefixes: { gsi2sk: '' } })).toEqual(key);
  });

  it.each([
    ['another tenant', { pk: 'ORG#b', sk: 'MEMBER#u1' }],
    ['another item kind', { pk: 'ORG#a', sk: 'INVITATION#i1' }],
    ['a bare prefix', { pk: 'ORG#a', sk: 'MEMBER#' }],
    ['an extra attribute', { pk: 'ORG#a', sk: 'MEMBER#u1', gsi1pk: 'USER#x' }],
    ['a missing attribute', { pk: 'ORG#a' }],
    ['a non-string value', { pk: 'ORG#a', sk: 5 }],
    ['a map value', { pk: 'ORG#a', sk: { S: 'MEMBER#u1' } }],
    ['an empty value', { pk: '', sk: 'MEMBER#u1' }],
    ['an over-long value', { pk: 'ORG#a', sk: `MEMBER#${'x'.repeat(1100)}` }],
    ['an array', ['ORG#a', 'MEMBER#u1']],
    ['null', null],
    ['a string', 'ORG#a'],
  ])('refuses a cursor of %s', (_case, key) => {
    expect(refusal(encode(key))).toBeInstanceOf(ValidationFailedError);
  });

  it.each([
    ['not base64url', 'abc+/def'],
    ['padding', `${encodeCursor({ pk: 'ORG#a', sk: 'MEMBER#u1' })}=`],
    ['an empty cursor', ''],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a non-canonical encoding', `${encodeCursor({ pk: 'ORG#a', sk: 'MEMBER#u1' })!.slice(0, -1)}B`],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64url')],
    ['an over-long cursor', 'A'.repeat(MAX_CURSOR_LENGTH + 4)],
    ['a __proto__ attribute', Buffer.from('{"pk":"ORG#a","__proto__":"MEMBER#u1"}').toString('base64url')],
  ])('refuses %s', (_case, cursor) => {
    expect(refusal(cursor)).toBeInstanceOf(ValidationFailedError);
  });

  it('answers every refusal alike: 400 VALIDATION_FAILED on /cursor, one message', () => {
    const answers = [encode({ pk: 'ORG#b', sk: 'MEMBER#u1' }), 'abc+/def', encode([1])].map(
      (cursor) => refusal(cursor) as ValidationFailedError,
    );
    for (const answer of answers) {
      expect(answer).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: answers[0]!.message });
      expect(answer.details).toEqual([{ field: '/cursor', message: 'is not a cursor of this list' }]);
    }
  });

  it('applies the check of the query across attributes', () => {
    const orgShape: CursorShape = {
      equals: { gsi1pk: 'ORGANIZATIONS', sk: 'ORG' },
      prefixes: { pk: 'ORG#', gsi1sk: 'ACTIVE#' },
      check: (key) => key.gsi1sk!.endsWith(`#${key.pk!.slice('ORG#'.length)}`),
    };
    const good = { pk: 'ORG#o1', sk: 'ORG', gsi1pk: 'ORGANIZATIONS', gsi1sk: 'ACTIVE#2025-01-01T00:00:00.000Z#o1' };
    expect(decodeCursor(encodeCursor(good)!, orgShape)).toEqual(good);
    expect(refusal(encodeCursor({ ...good, pk: 'ORG#o2' })!, orgShape)).toBeInstanceOf(ValidationFailedError);
  });
});

describe('the pagination cursor, for any key a list can stop at', () => {
  /** Attribute names as DynamoDB allows them; string values up to the bound of a key value, any characters. */
  const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
  const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 1024, size: 'max' });
  const key = fc.dictionary(name, value, { minKeys: 1, maxKeys: 4 });

  /** Keys of kilobytes shrink slowly: a failure is reported as found. */
  const asFound = { endOnFailure: true };

  /** The cursor handed out for a key, or undefined when the key cannot be one (refused at once). */
  const handedOut = (stopped: Record<string, string>) => {
    try {
      return encodeCursor(stopped) ?? undefined;
    } catch {
      return undefined;
    }
  };

  it('decodes every cursor it hands out, against the shape of the query that stopped there', () => {
    fc.assert(
      fc.property(key, (stopped) => {
        const cursor = handedOut(stopped);
        if (cursor !== undefined) expect(decodeCursor(cursor, { equals: stopped })).toEqual(stopped);
      }),
      asFound,
    );
  });

  it('hands out a cursor for every key of a few short values (the keys of this project)', () => {
    const short = fc.dictionary(name, fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), {
      minKeys: 1,
      maxKeys: 4,
    });
    fc.assert(fc.property(short, (stopped) => expect(handedOut(stopped)).toEqual(expect.any(String))));
  });

  it('decodes what it encodes when the shape fixes the partition and prefixes the rest', () => {
    fc.assert(
      fc.property(value, fc.string({ maxLength: 20 }), value, (partition, prefix, rest) => {
        const stopped = { pk: partition, sk: `${prefix}${rest}` };
        const cursor = handedOut(stopped);
        if (cursor === undefined) return;
        expect(decodeCursor(cursor, { equals: { pk: partition }, prefixes: { sk: prefix } })).toEqual(stopped);
      }),
      asFound,
    );
  });

  it('hands out no cursor longer than the contract lets a client send back', () => {
    expect(MAX_CURSOR_LENGTH).toBe(openapiDocument.components.schemas.Cursor.maxLength);
    expect(() => encodeCursor({ pk: 'ORG#a', sk: `MEMBER#${'x'.repeat(1000)}`, gsi1pk: 'x'.repeat(1000) })).toThrow(
      'does not fit in a cursor',
    );
  });
});
