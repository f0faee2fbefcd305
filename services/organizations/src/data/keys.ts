/**
 * Keys of the items only this service writes. Shared keys (organization, usage, membership) live in
 * `@tenantry/dynamo`. Organizations table layout:
 *
 * | item             | pk              | sk      | gsi1pk          | gsi1sk                                   |
 * | ---------------- | --------------- | ------- | --------------- | ---------------------------------------- |
 * | organization     | `ORG#<id>`      | `ORG`   | `ORGANIZATIONS` | `<ACTIVE or SUSPENDED>#<createdAt>#<id>` |
 * |                  |                 |         |                 | `DELETED#<purgeAfter>#<id>`              |
 * | usage counters   | `ORG#<id>`      | `USAGE` | —               | —                                        |
 * | slug claim       | `SLUG#<slug>`   | `SLUG`  | —               | —                                        |
 * | custom role      | `ORG#<id>`      | `ROLE#<key>` (`roleKey` of `@tenantry/dynamo`) | — | —        |
 */
import { type CursorShape, type ItemKey, organizationKey, organizationPk, ROLE_PREFIX } from '@tenantry/dynamo';
import type { OrganizationStatus } from '@tenantry/models';

export const ORGANIZATION_INDEX = 'gsi1';
export const ORGANIZATION_INDEX_PK = 'ORGANIZATIONS';
const ORGANIZATION_SK = organizationKey('').sk;

/** `<STATUS>#<ISO instant>#<organization id>`: the gsi1 sort key of an organization item. */
const POSITION =
  /^(ACTIVE|SUSPENDED|DELETED)#(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

/** Is `gsi1sk` the index position of the organization item `pk`? */
function isIndexPositionOf(gsi1sk: string, pk: string): boolean {
  const match = POSITION.exec(gsi1sk);
  return !!match && !Number.isNaN(Date.parse(match[2]!)) && organizationPk(match[3]!) === pk;
}

/**
 * What a cursor of `GET /organizations` must be (see `decodeCursor` of `@tenantry/dynamo`): exactly
 * the keys of an organization item in gsi1, a position inside the `?status=` filter it is given
 * with, and a position that is `<STATUS>#<ISO instant>#<id>` of that very item.
 */
export function listCursorShape(status: OrganizationStatus | undefined): CursorShape {
  return {
    equals: { gsi1pk: ORGANIZATION_INDEX_PK, sk: ORGANIZATION_SK },
    prefixes: { pk: organizationPk(''), gsi1sk: status ? `${status}#` : '' },
    check: (key) => isIndexPositionOf(key.gsi1sk!, key.pk!),
  };
}

/** The unique claim of a slug (a conditional put in the create transaction makes slugs unique). */
export const slugKey = (slug: string): ItemKey => ({ pk: `SLUG#${slug}`, sk: 'SLUG' });

/**
 * gsi1 of an organization item: one index serves the three access patterns that need every
 * organization: the staff list (all, in status order), the staff list by status (begins_with
 * `<STATUS>#`), and the daily purge (`DELETED#` up to `DELETED#<now>`: sorted by purgeAfter).
 */
export function organizationIndexKey(organization: {
  id: string;
  status: OrganizationStatus;
  createdAt: string;
  purgeAfter?: string | undefined;
}): { gsi1pk: string; gsi1sk: string } {
  const instant = organization.status === 'DELETED' ? organization.purgeAfter : organization.createdAt;
  if (!instant) throw new Error(`organization ${organization.id}: ${organization.status} without its instant`);
  return { gsi1pk: ORGANIZATION_INDEX_PK, gsi1sk: `${organization.status}#${instant}#${organization.id}` };
}

/**
 * What a cursor of `GET /organizations/{orgId}/roles` must be: a role position in this organization's
 * partition, `ROLE#<key>` of a built-in role (`leading`) or of a custom role's key.
 */
export function rolesCursorShape(organizationId: string, leading: readonly string[]): CursorShape {
  return {
    equals: { pk: organizationPk(organizationId) },
    prefixes: { sk: ROLE_PREFIX },
    check: (start) => {
      const key = start.sk!.slice(ROLE_PREFIX.length);
      return leading.includes(key) || CUSTOM_ROLE_KEY.test(key);
    },
  };
}

const CUSTOM_ROLE_KEY = /^[a-z][a-z0-9-]{1,39}$/;
