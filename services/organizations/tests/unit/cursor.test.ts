import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '@tenantry/errors';
import { decodeCursor, encodeCursor, organizationIdOf } from '../../src/domain/cursor';

const position = 'ACTIVE#2025-01-01T00:00:00.000Z#org_abc';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('list cursors', () => {
  it('round-trips a position for the status filter it was issued for', () => {
    expect(decodeCursor(encodeCursor(position, undefined), undefined)).toEqual({ position });
    expect(decodeCursor(encodeCursor(position, 'ACTIVE'), 'ACTIVE')).toEqual({ position });
    expect(organizationIdOf(position)).toBe('org_abc');
  });

  it.each([
    ['another status filter', encodeCursor(position, 'ACTIVE'), 'SUSPENDED'],
    ['no filter where one was used', encodeCursor(position, 'ACTIVE'), undefined],
    ['a position outside the filter', encode({ v: 1, s: 'DELETED', p: position }), 'DELETED'],
    ['another version', encode({ v: 2, s: null, p: position }), undefined],
    ['an extra field', encode({ v: 1, s: null, p: position, pk: 'ORG#x' }), undefined],
    ['a raw DynamoDB key', encode({ pk: 'ORG#x', sk: 'ORG', gsi1pk: 'ORGANIZATIONS', gsi1sk: position }), undefined],
    ['a bad date', encode({ v: 1, s: null, p: 'ACTIVE#2025-13-45T00:00:00.000Z#org_abc' }), undefined],
    ['a bad id', encode({ v: 1, s: null, p: 'ACTIVE#2025-01-01T00:00:00.000Z#org abc' }), undefined],
    ['not JSON', Buffer.from('hello').toString('base64url'), undefined],
    ['an array', encode([1, 2]), undefined],
    ['padding', `${encodeCursor(position, undefined)}=`, undefined],
    ['non-base64url characters', 'abc+/def', undefined],
    ['an over-long value', 'A'.repeat(600), undefined],
  ] as const)('refuses %s with 400 VALIDATION_FAILED', (_case, cursor, status) => {
    expect(() => decodeCursor(cursor, status)).toThrow(ValidationFailedError);
  });
});
