/**
 * Opaque pagination cursors: the DynamoDB `LastEvaluatedKey`, base64url JSON. A cursor is accepted
 * only if it has exactly the key attributes of the query it is given to, string values, and the
 * same partition as that query: a forged or foreign cursor answers 400 VALIDATION_FAILED and can
 * never start a query in another tenant's (or user's) partition.
 */
import { ValidationFailedError } from '@tenantry/errors';

export type StartKey = Record<string, string>;

/** What a cursor must look like for one query: exact attributes, fixed values, required prefixes. */
export interface CursorShape {
  equals: Record<string, string>;
  prefixes: Record<string, string>;
}

const invalid = () => new ValidationFailedError([{ field: '/cursor', message: 'invalid cursor' }]);

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: CursorShape): StartKey | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed as Record<string, unknown>);
  const expected = new Set([...Object.keys(shape.equals), ...Object.keys(shape.prefixes)]);
  if (entries.length !== expected.size) throw invalid();
  for (const [name, value] of entries) {
    if (!expected.has(name) || typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalid();
    if (name in shape.equals && shape.equals[name] !== value) throw invalid();
    const prefix = shape.prefixes[name];
    if (prefix !== undefined && (!value.startsWith(prefix) || value.length === prefix.length)) throw invalid();
  }
  return Object.fromEntries(entries) as StartKey;
}
