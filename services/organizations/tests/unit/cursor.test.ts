import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from '@tenantry/dynamo';
import { ValidationFailedError } from '@tenantry/errors';
import { listCursorShape } from '../../src/data/keys';

// The key DynamoDB stops at in gsi1: the organization item's table key and its index position.
const key = {
  pk: 'ORG#org_abc',
  sk: 'ORG',
  gsi1pk: 'ORGANIZATIONS',
  gsi1sk: 'ACTIVE#2025-01-01T00:00:00.000Z#org_abc',
};
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the cursor of GET /organizations', () => {
  it('round-trips a position, with or without the status filter it was issued for', () => {
    expect(decodeCursor(encodeCursor(key)!, listCursorShape(undefined))).toEqual(key);
    expect(decodeCursor(encodeCursor(key)!, listCursorShape('ACTIVE'))).toEqual(key);
  });

  it.each([
    ['another status filter', encodeCursor(key)!, 'SUSPENDED'],
    ['a position outside the filter', encode({ ...key, gsi1sk: `DELETED#2025-01-01T00:00:00.000Z#org_abc` }), 'ACTIVE'],
    ['another item kind', encode({ ...key, sk: 'USAGE' }), undefined],
    ['another index', encode({ ...key, gsi1pk: 'USER#x' }), undefined],
    ['a position of another organization', encode({ ...key, pk: 'ORG#org_other' }), undefined],
    ['an extra field', encode({ ...key, v: '1' }), undefined],
    ['a missing index key', encode({ pk: key.pk, sk: key.sk }), undefined],
    ['a bad date', encode({ ...key, gsi1sk: 'ACTIVE#2025-13-45T00:00:00.000Z#org_abc' }), undefined],
    ['a bad id', encode({ ...key, pk: 'ORG#org abc', gsi1sk: 'ACTIVE#2025-01-01T00:00:00.000Z#org abc' }), undefined],
    ['an unknown status', encode({ ...key, gsi1sk: 'GONE#2025-01-01T00:00:00.000Z#org_abc' }), undefined],
    ['not JSON', Buffer.from('hello').toString('base64url'), undefined],
    ['an array', encode([1, 2]), undefined],
    ['padding', `${encodeCursor(key)}=`, undefined],
    ['non-base64url characters', 'abc+/def', undefined],
    ['an over-long value', 'A'.repeat(5000), undefined],
  ] as const)('refuses %s with 400 VALIDATION_FAILED', (_case, cursor, status) => {
    expect(() => decodeCursor(cursor, listCursorShape(status))).toThrow(ValidationFailedError);
  });
});
