/** Named condition expressions of the notifications table. */

/** A put that creates, never overwrites (redeliveries, idempotent ids). */
export const IS_NEW = 'attribute_not_exists(pk)';

/** A notification that is still unread and not expired (`:false`, `:nowSeconds`). */
export const UNREAD_AND_LIVE = '#read = :false AND #expiresAt > :nowSeconds';

/** A counter attribute that can take the decrement (`#bucketN`, `:needN`): it never goes negative. */
export const bucketCovers = (index: number): string => `#bucket${index} >= :need${index}`;
