/**
 * Keys of the applications table (`tenantry-<stage>-applications`, pk/sk). The API key item's key
 * is shared (`apiKeyKey` of `@tenantry/dynamo`): the security layer of every service reads it.
 *
 * | item                | pk                 | sk                        | what                                                                  |
 * | ------------------- | ------------------ | ------------------------- | --------------------------------------------------------------------- |
 * | application         | `ORG#<orgId>`      | `APP#<appId>`             | live applications only: slots (hashes, prefixes), scopes, expiresAt, secretCount, version, lastUsed (by key hash) |
 * | deleted application | `ORG#<orgId>`      | `DELETED_APP#<appId>`     | the tombstone a soft delete leaves (no key, no hash)                  |
 * | secret              | `ORG#<orgId>`      | `SECRET#<appId>#<name>`   | the value sealed with @tenantry/crypto                                |
 * | API key             | `APIKEY#<sha256>`  | `APIKEY`                  | exists while the key verifies; `ttl` on a previous key                |
 *
 * Index `expiring` (sparse): `expiryDay` (the UTC day of `expiresAt`) / `expiresAt`. Only an
 * application whose expiry awaits its `api_key.expiring` notice carries `expiryDay`; the notice
 * removes it. The scheduled `notifyExpiringKeys` queries the partitions of the next 8 days.
 *
 * Ids and secret names never contain `#`, so `SECRET#<appId>#` is exactly one application's secrets.
 * Every item carries `organizationId` (the tenant pin of `@tenantry/security` conditions it).
 */
import { APPLICATION_PREFIX, applicationKey, type ItemKey, organizationPk } from '@tenantry/dynamo';

export { APPLICATION_PREFIX, applicationKey };

export const DELETED_APPLICATION_PREFIX = 'DELETED_APP#';
/** The sparse index of applications whose keys' expiry awaits its notice. */
export const EXPIRING_INDEX = 'expiring';
export const SECRET_PREFIX = 'SECRET#';

export const deletedApplicationKey = (organizationId: string, applicationId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${DELETED_APPLICATION_PREFIX}${applicationId}`,
});

/** The sort-key prefix of one application's secrets. */
export const secretPrefix = (applicationId: string): string => `${SECRET_PREFIX}${applicationId}#`;

export const secretKey = (organizationId: string, applicationId: string, name: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${secretPrefix(applicationId)}${name}`,
});
