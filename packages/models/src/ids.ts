import { randomBytes } from 'node:crypto';

/** The prefix of each kind of id Tenantry makes (the `Id` schema: letters, digits, '_' and '-', at most 64). */
export type IdPrefix = 'org' | 'app' | 'inv' | 'bc';

/** Makes a new id; every service's `Dependencies` holds one as `newId` (tests pass a fixed one). */
export type NewId = (prefix: IdPrefix, options?: { at: Date }) => string;

/**
 * The one maker of ids: `<prefix>_` + 128 random bits in hex (32 characters), e.g.
 * `newId('org')` → `org_3f1c2b7e0d4a4e599c1f2a6b8d7e5c40`. With `at`, time-ordered ids that still
 * cannot be guessed: `<prefix>_` + the milliseconds since the epoch in base36 (9 characters) + 80
 * random bits in hex (20), so ids sort by creation time, e.g. `newId('inv', { at: now })`.
 */
export const newId: NewId = (prefix, options) =>
  options
    ? `${prefix}_${options.at.getTime().toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`
    : `${prefix}_${randomBytes(16).toString('hex')}`;
