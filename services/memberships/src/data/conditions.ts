/**
 * Named condition and filter expressions of this service: every expression the repositories send is
 * one of these. The tenant pin of `@tenantry/security` is added to each write's condition by the
 * repository (`tenantUpdate`, `tenantTransactWrite`). Placeholders: `#status`, `#role`, `:pending`,
 * `:expired`, `:active`, `:owner`, `:now` (ISO instant), `:limit`, `:from`, `:role`, `:status`,
 * `:invitationId`, `:userId`.
 */

/** Every item this service creates is new (an invitation id or a membership never overwrites). */
export const isNew = 'attribute_not_exists(pk)';

/** The plan still has a seat: ACTIVE members + PENDING invitations stay within the limit. */
export const seatAvailable = 'seats < :limit';

/** ACTIVE members stay within the limit on accept (the organizations service writes 1 at create). */
export const activeMemberAvailable = 'activeMembers < :limit';

/** PENDING, lapsed or not: it still holds its seat (a resend may renew it). */
export const invitationIsPending = '#status = :pending';

/** PENDING and not past its expiry: may be accepted, declined or revoked; listed as PENDING. */
export const invitationIsPendingAndValid = '#status = :pending AND expiresAt > :now';

/** PENDING but past its expiry: still holds a seat, may only be expired (or resent). */
export const invitationIsPendingAndLapsed = '#status = :pending AND expiresAt <= :now';

/** EXPIRED (holds no seat): may be revived by a resend. */
export const invitationHoldsNoSeat = '#status = :expired';

/** What a client sees as EXPIRED: stored EXPIRED, or PENDING past its expiry. */
export const invitationReadsExpired = `${invitationHoldsNoSeat} OR (${invitationIsPendingAndLapsed})`;

/** An invitation in a stored status (`:status`) other than PENDING or EXPIRED. */
export const invitationHasStatus = '#status = :status';

/** An email's claim that nobody holds (`:free`): a new or resent invitation takes it. */
export const claimIsFree = 'attribute_not_exists(pk) OR holder = :free';

/**
 * An email's claim that this invitation (`:invitationId`) holds, or none (an invitation from before
 * claims): released when it leaves PENDING, taken over by its member at accept.
 */
export const claimOfInvitation = 'attribute_not_exists(pk) OR invitationId = :invitationId';

/** An email's claim that this member (`:userId`) holds, or none: released when the member leaves. */
export const claimOfMember = 'attribute_not_exists(pk) OR userId = :userId';

/** An ACTIVE membership (lists). */
export const memberIsActive = '#status = :active';

/** A role change applies only to the role the use case checked, of an ACTIVE membership. */
export const memberHasRole = '#role = :from AND #status = :active';

/** A removal applies only to the role the use case checked, and never to the OWNER. */
export const memberIsRemovable = '#role = :role AND #role <> :owner';

/**
 * A custom role still exists (organizations table, `ORG#<orgId>` / `ROLE#<key>`): its `holders`
 * counter moves, or it is checked, in the transaction that gives or takes the role (contract §9).
 */
export const roleExists = 'attribute_exists(pk)';
