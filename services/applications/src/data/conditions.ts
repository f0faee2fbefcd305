/**
 * Named condition expressions of this service. The tenant pin of `@tenantry/security`
 * (`organizationId = :tenantOrganizationId`) is added to every pinned write by the repositories.
 */

/** Every item this service creates is new (never overwrites). */
export const isNew = 'attribute_not_exists(pk)';

/** The item exists (an update or check of a live application or secret). */
export const exists = 'attribute_exists(pk)';

/** The application is still at the version its change was computed from (`#version`, `:version`). */
export const atVersion = '#version = :version';

/**
 * An application whose expiry still awaits its `api_key.expiring` notice, at the expiry the notice
 * was computed from (`:expiresAt`): the notice is written once, and never for an expiry since changed.
 */
export const awaitsExpiryNotice = 'attribute_exists(expiryDay) AND expiresAt = :expiresAt';

/** The plan still allows one more application (usage item; `:limit`). */
export const applicationSlotFree = 'attribute_not_exists(applications) OR applications < :limit';

/** A live application with room for one more secret (`:max`). */
export const secretSlotFree = 'attribute_exists(pk) AND (attribute_not_exists(secretCount) OR secretCount < :max)';

/**
 * A key item being deleted: already gone (a previous key TTL removed) or this tenant's
 * (`#keyOrganizationId`, `:keyOrganizationId`): a delete never touches another tenant's key.
 */
export const absentOrOwned = 'attribute_not_exists(pk) OR #keyOrganizationId = :keyOrganizationId';
