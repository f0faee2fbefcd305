/**
 * Named condition expressions of this service (placeholders: `#status`, `:pending`, `:expired`,
 * `:now` ISO timestamp, `:limit`). The tenant pin is added to each by `@tenantry/security`.
 */

/** The plan still has a seat: ACTIVE members + PENDING invitations stay within the limit. */
export const seatAvailable = 'seats < :limit';

/** ACTIVE members stay within the limit on accept (the organizations service writes 1 at create). */
export const activeMemberAvailable = 'activeMembers < :limit';

/** PENDING and not past its expiry: may be accepted, declined or revoked. */
export const invitationIsPendingAndValid = '#status = :pending AND expiresAt > :now';

/** PENDING but past its expiry: still holds a seat, may only be expired (or resent). */
export const invitationIsPendingAndLapsed = '#status = :pending AND expiresAt <= :now';

/** EXPIRED (holds no seat): may be revived by a resend. */
export const invitationHoldsNoSeat = '#status = :expired';
