/**
 * Named condition and update expressions of the organization item. Every one is combined with the
 * tenant pin of `@tenantry/security` (`organizationId = :tenantOrganizationId`) by the repository.
 */
export const names = {
  '#status': 'status',
  '#updatedAt': 'updatedAt',
} as const;

/** The organization is in the given status (`:expectedStatus`). */
export const statusIs = '#status = :expectedStatus';

/** A DELETED organization still inside its restore window, deleted at exactly `:deletedAt`. */
export const restorable = '#status = :deleted AND purgeAfter > :now AND deletedAt = :deletedAt';

/** A DELETED organization whose restore window has closed. */
export const purgeable = '#status = :deleted AND purgeAfter <= :now';

/** A DELETED organization (the last delete of a purge). */
export const isDeleted = '#status = :deleted';

/** Ownership moves only from the current owner of an ACTIVE organization. */
export const ownedByActive = 'ownerId = :from AND #status = :active';

/** A membership that may receive ownership: ACTIVE and not already OWNER. */
export const activeNonOwnerMember = '#status = :active AND #role <> :owner';

/** The new owner's membership, with the role it was read with. */
export const activeMemberWithRole = `${activeNonOwnerMember} AND #role = :previous`;

/** The membership of the current owner. */
export const activeOwnerMember = '#status = :active AND #role = :owner';

/** Every item this service creates is new (never overwrites). */
export const isNew = 'attribute_not_exists(pk)';

/** An ACTIVE ENTERPRISE organization whose data key is still wrapped as read (`:keyId`, `:blob`). */
export const wrappedAs =
  '#status = :active AND #plan = :enterprise AND dataKey.keyId = :keyId AND dataKey.encryptedDataKey = :blob';

/**
 * The plan allows one more custom role (usage item; `:limit`, `:zero`). A usage item written before
 * custom roles has no counter: it counts as zero, which a limit of zero still refuses.
 */
export const customRoleSlotFree = ':zero < :limit AND (attribute_not_exists(#customRoles) OR #customRoles < :limit)';

/** An ACTIVE organization whose item already has its `roles` map (a nested SET needs the map). */
export const activeWithRolesMap = '#status = :active AND attribute_exists(#roles)';

/** An ACTIVE organization whose item has no `roles` map yet (organizations created before custom roles). */
export const activeWithoutRolesMap = '#status = :active AND attribute_not_exists(#roles)';

/** The role item is still at the version its change was computed from (`#version`, `:version`). */
export const roleAtVersion = '#version = :version';

/** No ACTIVE member and no PENDING invitation holds the role (`:zero`). */
export const roleUnheld = 'attribute_not_exists(#holders) OR #holders = :zero';

/** A counter that a delete brings down stays at zero or more. */
export const counterPositive = '#customRoles > :zero';
