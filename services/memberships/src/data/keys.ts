/**
 * Keys of the items only this service writes (memberships table). Memberships use the shared keys
 * of `@tenantry/dynamo` (`membershipKey`, `membershipByUserKey`); usage counters `usageKey`.
 *
 * | item        | pk            | sk                | gsi1 (pk / sk)                  | gsi2 (pk / sk), sparse            |
 * |-------------|---------------|-------------------|---------------------------------|-----------------------------------|
 * | membership  | ORG#<orgId>   | MEMBER#<userId>   | USER#<userId> / ORG#<orgId>     | —                                 |
 * | invitation  | ORG#<orgId>   | INVITATION#<id>   | INVITATION#<id> / INVITATION    | INVITEE#<email> / <createdAt>#<id> while PENDING |
 * | email claim | ORG#<orgId>   | EMAIL#<email>     | —                               | —                                 |
 *
 * The email claim (`emailClaimKey`/`emailClaimItem` of `@tenantry/dynamo`) makes "one PENDING
 * invitation or ACTIVE membership per email" a key: held by the invitation (created or resent, in the
 * transaction of its seat), by the member after accept (the OWNER's written with the organization),
 * released (`holder: NONE`) when the invitation leaves PENDING without a member or the member leaves.
 */
import { type ItemKey, organizationPk } from '@tenantry/dynamo';

/** `ORG#`: the partition of every item of an organization (pk; gsi1sk of a membership). */
export const ORGANIZATION_PREFIX = organizationPk('');
export const MEMBER_PREFIX = 'MEMBER#';
export const INVITATION_PREFIX = 'INVITATION#';
const USER_PREFIX = 'USER#';
const INVITEE_PREFIX = 'INVITEE#';

export const invitationKey = (organizationId: string, invitationId: string): ItemKey => ({
  pk: organizationPk(organizationId),
  sk: `${INVITATION_PREFIX}${invitationId}`,
});

/** gsi1: an invitation by its id alone (`/me/invitations/{id}/accept` has no organization in the path). */
export const invitationLookupKey = (invitationId: string): { gsi1pk: string; gsi1sk: string } => ({
  gsi1pk: `${INVITATION_PREFIX}${invitationId}`,
  gsi1sk: 'INVITATION',
});

export const inviteePk = (email: string): string => `${INVITEE_PREFIX}${email}`;

/** gsi2: the PENDING invitations addressed to an email (lower-cased), oldest first. Present only while PENDING. */
export const inviteeKey = (email: string, createdAt: string, invitationId: string) => ({
  gsi2pk: inviteePk(email),
  gsi2sk: `${createdAt}#${invitationId}`,
});

export const userPk = (userId: string): string => `${USER_PREFIX}${userId}`;
