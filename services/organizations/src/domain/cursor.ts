/**
 * The opaque cursor of `GET /organizations`. It holds only a position in the organization index
 * (gsi1 sort key) and the status filter it was issued for; the repository rebuilds the
 * ExclusiveStartKey from those parts, never from client-supplied key attributes. Anything that does
 * not decode to exactly this shape (forged, truncated, from another list, or issued for another
 * `?status=`) is a 400 VALIDATION_FAILED on `/cursor`.
 */
import { ValidationFailedError } from '@tenantry/errors';
import type { OrganizationStatus } from '@tenantry/models';

const VERSION = 1;
/** `<STATUS>#<ISO instant>#<organization id>`: the gsi1 sort key of an organization item. */
export const POSITION =
  /^(ACTIVE|SUSPENDED|DELETED)#(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

export interface ListPosition {
  /** The gsi1 sort key of the last item of the previous page. */
  position: string;
}

const invalid = () =>
  new ValidationFailedError([{ field: '/cursor', message: 'is not a cursor of this list' }], 'The cursor is invalid');

export function encodeCursor(position: string, status: OrganizationStatus | undefined): string {
  return Buffer.from(JSON.stringify({ v: VERSION, s: status ?? null, p: position }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, status: OrganizationStatus | undefined): ListPosition {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalid();
    parsed = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const { v, s, p, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || v !== VERSION || typeof p !== 'string') throw invalid();
  if ((s ?? undefined) !== status) throw invalid();
  const match = POSITION.exec(p);
  if (!match || Number.isNaN(Date.parse(match[2]!))) throw invalid();
  if (status && match[1] !== status) throw invalid();
  return { position: p };
}

/** The organization id at the end of a position (the key of the item the page stopped at). */
export function organizationIdOf(position: string): string {
  const match = POSITION.exec(position);
  if (!match) throw invalid();
  return match[3]!;
}
