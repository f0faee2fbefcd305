/**
 * The one pagination cursor of every Tenantry list: the DynamoDB key a query stopped at
 * (`LastEvaluatedKey`), as base64url JSON. The client treats it as opaque; the server trusts none of
 * it. A cursor is accepted only if it is canonical base64url of a JSON object with exactly the key
 * attributes of the query it is given to, non-empty string values within bounds, the fixed values
 * (the query's partition) and the required prefixes (the item kind) of that query, and whatever
 * cross-attribute check the query adds. Anything else, forged, truncated or issued by another list
 * or another tenant's list, is the same 400 VALIDATION_FAILED on `/cursor`, so a cursor can never
 * start a query in another partition and never reaches DynamoDB malformed (no 500).
 *
 * @example
 * ```ts
 * const pk = organizationPk(organizationId);
 * const startKey = decodeCursor(query.cursor, { equals: { pk }, prefixes: { sk: 'MEMBER#' } });
 * // … QueryCommand({ …, ExclusiveStartKey: startKey }) …
 * return { items, nextCursor: encodeCursor(LastEvaluatedKey) };
 * ```
 */
import { ValidationFailedError } from '@tenantry/errors';

/** A decoded cursor: an `ExclusiveStartKey` of string attributes. */
export type StartKey = Record<string, string>;

/** What a cursor must be for one query. Every attribute named in `equals` or `prefixes`, and no other. */
export interface CursorShape {
  /** Attributes with a fixed value (the partition of the query, a fixed sort key). */
  equals?: Record<string, string>;
  /** Attributes that must start with a prefix and have something after it (`''`: any non-empty value). */
  prefixes?: Record<string, string>;
  /** A further check across attributes (e.g. the table key and the index key name the same item). */
  check?: (key: StartKey) => boolean;
  /**
   * For a list read through an index across partitions (a user's organizations, an invitee's
   * invitations), where the cursor's table key is not fixed by the list: the item it names, read back
   * strongly consistent from the table (`key`), must exist and belong to the caller's list
   * (`belongs`), or the cursor is refused like any other. Checked by `queryPage` before the query.
   */
  item?: { key: (start: StartKey) => StartKey; belongs: (item: Record<string, unknown>, start: StartKey) => boolean };
}

/** Longest cursor (characters): the contract's bound on `?cursor=` (`Cursor` of schemas/common.yaml; a test keeps them equal). */
export const MAX_CURSOR_LENGTH = 2048;
/** Longest attribute value accepted in a cursor (DynamoDB's own bound for a key attribute is 1 KiB/2 KiB). */
const MAX_CURSOR_VALUE_LENGTH = 1024;

const isCursorValue = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_CURSOR_VALUE_LENGTH;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The one answer to any unacceptable cursor, everywhere. */
export const invalidCursor = (cause?: unknown): ValidationFailedError =>
  new ValidationFailedError([{ field: '/cursor', message: 'is not a cursor of this list' }], 'The cursor is invalid', {
    cause,
  });

/**
 * The cursor of the next page: the key the query stopped at, or `null` on the last page. Only a
 * cursor {@link decodeCursor} accepts back is handed out: a key that cannot be one (a value that is
 * no string within bounds, an encoding over {@link MAX_CURSOR_LENGTH}) is a key layout that cannot be
 * paged, a bug said at once rather than a client left with a cursor it cannot send.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  if (!key) return null;
  const cursor = Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
  if (cursor.length > MAX_CURSOR_LENGTH || !Object.values(key).every(isCursorValue)) {
    throw new Error(`a key of ${Object.keys(key).join(', ')} does not fit in a cursor`);
  }
  return cursor;
}

/**
 * The `ExclusiveStartKey` of a cursor, checked against the query's shape; `undefined` without a
 * cursor (the first page). Throws {@link invalidCursor} for anything that is not a cursor of this list.
 */
export function decodeCursor(cursor: string | undefined, shape: CursorShape): StartKey | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    // Canonical only: one cursor per key (no trailing bits, no lossy bytes).
    if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new Error('not canonical base64url');
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidCursor(error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const equals = shape.equals ?? {};
  const prefixes = shape.prefixes ?? {};
  const expected = new Set([...Object.keys(equals), ...Object.keys(prefixes)]);
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length !== expected.size) throw invalidCursor();
  for (const [name, value] of entries) {
    if (!expected.has(name) || !isCursorValue(value)) throw invalidCursor();
    if (Object.hasOwn(equals, name) && equals[name] !== value) throw invalidCursor();
    const prefix = Object.hasOwn(prefixes, name) ? prefixes[name] : undefined;
    if (prefix !== undefined && (!value.startsWith(prefix) || value.length === prefix.length)) throw invalidCursor();
  }
  const key = Object.fromEntries(entries) as StartKey;
  if (shape.check && !shape.check(key)) throw invalidCursor();
  return key;
}
