/**
 * The authorization policy of contract §1–§3, §5, §6, §8 (docs/contract.md), stated a second time, by
 * hand, from the contract: every route × every principal × every target → the expected HTTP status.
 *
 * This file must never import the permission table of `@tenantry/security` (or anything derived
 * from it): it is the independent statement the code is held to. When a cell disagrees with the
 * code, the contract decides; change this file only when the contract changes.
 *
 * A row is one status per principal, in the order of `PRINCIPALS` (the column header above each
 * block). `-` means "no such cell": platform staff have no foreign organization (every organization
 * is one they are not a member of: `own` already is), and an API key of the foreign organization
 * aimed at the foreign organization would be aimed at its own.
 *
 * Targets (routes with `{orgId}`):
 * - `own`     — the organization the member principals belong to and the API keys were issued by
 *               (for restore: that organization soft-deleted; for reactivate: suspended).
 * - `foreign` — another tenant's live organization, with its own applications and invitations.
 * - `missing` — an organization id of the right shape that names nothing.
 * Routes without an organization (`/me/*`, `/applications/me`, `POST|GET /organizations`, health)
 * have one row, `any`: only the principal matters.
 */

export const PRINCIPALS = [
  'anonymous', //               no credential at all
  'invalidToken', //            a Cognito-shaped ID token whose signature does not verify
  'customer', //                CUSTOMER group, member of no organization here
  'VIEWER', //                  organization roles, ACTIVE members of `own`
  'MEMBER',
  'ADMIN',
  'OWNER',
  'auditor', //                 custom role of `own` (§9): rank VIEWER, exactly audit:read and members:read
  'customAdmin', //             custom role of `own`: rank ADMIN, every ADMIN permission but invitations:manage
  'employee', //                platform group EMPLOYEE, member of nothing
  'platformOwner', //           platform group OWNER, member of nothing
  'key', //                     API key of an application of `own`, every key-grantable scope of §6
  'keyWithoutSelf', //          the same, without scope applications:self
  'keyWithoutSend', //          the same, without scope notifications:send
  'keyOrgMembers', //           API key of `own` with scopes organization:read and members:read only
  'keySelfOnly', //             API key of `own` with the default scopes: applications:self only
  'foreignKey', //              API key of an application of `foreign`, every key-grantable scope
] as const;

export type Principal = (typeof PRINCIPALS)[number];
export type Target = 'own' | 'foreign' | 'missing';

/** The permissions of the custom roles of `own` (§9), as the matrix defines them: the columns aud and cad. */
export const CUSTOM_ROLES = {
  auditor: { key: 'auditor', baseRole: 'VIEWER', permissions: ['audit:read', 'members:read'] },
  customAdmin: {
    key: 'admin-no-invites',
    baseRole: 'ADMIN',
    permissions: [
      'organization:read',
      'organization:update',
      'members:read',
      'members:manage',
      'membership:leave',
      'invitations:read',
      'applications:read',
      'applications:manage',
      'api_keys:issue',
      'secrets:read',
      'secrets:write',
      'notifications:send',
      'audit:read',
      'roles:read',
    ],
  },
} as const;

/** The key-grantable permissions of §6 that exist today (webhooks:read joins with webhooks). */
const EVERY_SCOPE = [
  'applications:self',
  'notifications:send',
  'organization:read',
  'members:read',
  'invitations:read',
  'invitations:manage',
  'applications:read',
  'audit:read',
];

/** The scopes of each key principal's application (`undefined`: none given, so the default of §6). */
export const KEY_SCOPES = {
  key: EVERY_SCOPE,
  keyWithoutSelf: EVERY_SCOPE.filter((scope) => scope !== 'applications:self'),
  keyWithoutSend: EVERY_SCOPE.filter((scope) => scope !== 'notifications:send'),
  keyOrgMembers: ['organization:read', 'members:read'],
  keySelfOnly: undefined,
  foreignKey: EVERY_SCOPE,
} as const;

export interface RouteExpectation {
  /** The operationId (the serverless function's name; health checks: `health`). */
  operation: string;
  /** Rows of statuses, one column per principal (see PRINCIPALS). */
  own?: string;
  foreign?: string;
  missing?: string;
  any?: string;
}

// Credentials and routes (§1, §3, §6): a request is made by a user (ID token) or by an application
// (API key). A key acts only through routes whose permission is key-grantable (§6: applications:self,
// notifications:send, organization:read, members:read, invitations:read, invitations:manage,
// applications:read, audit:read), only with the scopes of its application (403 FORBIDDEN without the
// route's one) and only in its own organization (404, like a missing one). Every other route takes a
// user token only (the contract's `auth: user`), so an API key there is no credential at all: 401,
// whatever the target, so it learns nothing about other organizations either. A user token on the
// key-only route: 401 alike. A member of a custom role (§9) is allowed exactly the permissions of its
// list (403 for the rest: its own organization is never a 404 to it), and may leave like anyone but
// the OWNER (§2).
//
// Shared rows of the organization routes: unauthenticated first (401 whatever the target, so an
// anonymous caller learns nothing), then 404 alike for a foreign and a missing organization (§1:
// a non-member gets exactly what a missing organization gives; an API key acts only in its own).

//   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
const FOREIGN = '401 401 404 404 404 404 404 404 404   -   - 401 401 401 401 401   -';
const MISSING = '401 401 404 404 404 404 404 404 404 404 404 401 401 401 401 401 401';
// The routes that take users and API keys (a key-grantable permission).
const FOREIGN_FOR_KEYS = '401 401 404 404 404 404 404 404 404   -   - 404 404 404 404 404   -';
const MISSING_FOR_KEYS = '401 401 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404';

/** An organization route that takes user tokens only. */
const org = (operation: string, own: string): RouteExpectation => ({
  operation,
  own,
  foreign: FOREIGN,
  missing: MISSING,
});

/** An organization route whose permission is key-grantable: it takes user tokens and API keys. */
const orgOrKey = (operation: string, own: string): RouteExpectation => ({
  operation,
  own,
  foreign: FOREIGN_FOR_KEYS,
  missing: MISSING_FOR_KEYS,
});

/**
 * Keyed by `METHOD /path` exactly as the services' serverless.yml declare them (httpApi events).
 * A route there without an entry here fails the suite, and so does an entry without a route.
 */
export const EXPECTATIONS: Record<string, RouteExpectation> = {
  // ---- health: no authentication at all (`auth: none`), answers everyone.
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  'GET /health/organizations': {
    operation: 'health',
    any: '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  },
  'GET /health/memberships': {
    operation: 'health',
    any: '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  },
  'GET /health/applications': {
    operation: 'health',
    any: '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  },
  'GET /health/notifications': {
    operation: 'health',
    any: '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  },

  // ---- organizations service (§3, §4, §5, §9)
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  // Any user may create an organization (and becomes its OWNER).
  'POST /organizations': {
    operation: 'createOrganization',
    any: '401 401 201 201 201 201 201 201 201 201 201 401 401 401 401 401 401',
  },
  // "list all organizations — platform OWNER, EMPLOYEE".
  'GET /organizations': {
    operation: 'listOrganizations',
    any: '401 401 403 403 403 403 403 403 403 200 200 401 401 401 401 401 401',
  },
  // organization:read (key-grantable); the auditor's list lacks it.
  'GET /organizations/{orgId}': orgOrKey(
    'getOrganization',
    '401 401 404 200 200 200 200 403 200 200 200 200 200 200 200 403 404',
  ),
  'PATCH /organizations/{orgId}': org(
    'updateOrganization',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  'DELETE /organizations/{orgId}': org(
    'deleteOrganization',
    '401 401 404 403 403 403 200 403 403 403 200 401 401 401 401 401 401',
  ),
  // own = soft-deleted: its OWNER and the platform OWNER restore; other members see it refused;
  // its API keys stop verifying once it is deleted (§6: 401).
  'POST /organizations/{orgId}/restore': org(
    'restoreOrganization',
    '401 401 404 403 403 403 200 403 403 403 200 401 401 401 401 401 401',
  ),
  // "change plan — platform OWNER only".
  'PUT /organizations/{orgId}/plan': org(
    'changePlan',
    '401 401 404 403 403 403 403 403 403 403 200 401 401 401 401 401 401',
  ),
  'POST /organizations/{orgId}/suspend': org(
    'suspendOrganization',
    '401 401 404 403 403 403 403 403 403 200 200 401 401 401 401 401 401',
  ),
  // own = suspended: members may still read but not act; its API keys answer 401 (§6).
  'POST /organizations/{orgId}/reactivate': org(
    'reactivateOrganization',
    '401 401 404 403 403 403 403 403 403 200 200 401 401 401 401 401 401',
  ),
  // "transfer ownership — OWNER; no platform group" (OWNER-only: no custom role holds it).
  'POST /organizations/{orgId}/transfer-ownership': org(
    'transferOwnership',
    '401 401 404 403 403 403 200 403 403 403 403 401 401 401 401 401 401',
  ),
  // "organization encryption key (ENTERPRISE) — OWNER; platform OWNER". own is ENTERPRISE.
  'PUT /organizations/{orgId}/encryption-key': org(
    'setEncryptionKey',
    '401 401 404 403 403 403 200 403 403 403 200 401 401 401 401 401 401',
  ),
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  // §9 "roles manage — OWNER; platform OWNER" (OWNER-only: no custom role holds it; not key-grantable).
  'POST /organizations/{orgId}/roles': org(
    'createRole',
    '401 401 404 403 403 403 201 403 403 403 201 401 401 401 401 401 401',
  ),
  // "roles read — VIEWER; platform OWNER, EMPLOYEE"; the auditor's list lacks it.
  'GET /organizations/{orgId}/roles': org(
    'listRoles',
    '401 401 404 200 200 200 200 403 200 200 200 401 401 401 401 401 401',
  ),
  'GET /organizations/{orgId}/roles/{roleKey}': org(
    'getRole',
    '401 401 404 200 200 200 200 403 200 200 200 401 401 401 401 401 401',
  ),
  // The target role is a custom role of own that nobody holds.
  'PATCH /organizations/{orgId}/roles/{roleKey}': org(
    'updateRole',
    '401 401 404 403 403 403 200 403 403 403 200 401 401 401 401 401 401',
  ),
  'DELETE /organizations/{orgId}/roles/{roleKey}': org(
    'deleteRole',
    '401 401 404 403 403 403 204 403 403 403 204 401 401 401 401 401 401',
  ),

  // ---- memberships service
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  'GET /me/organizations': {
    operation: 'listMyOrganizations',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  // §3: the caller's role and permissions there: every ACTIVE member, whatever its role holds.
  // Platform staff hold no role in it: nothing to answer, as to any non-member (404).
  'GET /organizations/{orgId}/me': org(
    'getMyAccess',
    '401 401 404 200 200 200 200 200 200 404 404 401 401 401 401 401 401',
  ),
  'GET /organizations/{orgId}/members': orgOrKey(
    'listMembers',
    '401 401 404 200 200 200 200 200 200 200 200 200 200 200 200 403 404',
  ),
  // The target is a VIEWER (strictly below ADMIN and OWNER), the new role MEMBER (assignable by ADMIN+,
  // whose permissions the ADMIN-ranked custom role holds).
  'PATCH /organizations/{orgId}/members/{userId}': org(
    'updateMember',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  'DELETE /organizations/{orgId}/members/{userId}': org(
    'removeMember',
    '401 401 404 403 403 204 204 403 204 403 204 401 401 401 401 401 401',
  ),
  // "Anyone but the OWNER may leave" (a custom role too); staff are no members, so nothing to leave: refused.
  'POST /organizations/{orgId}/leave': org(
    'leaveOrganization',
    '401 401 404 204 204 204 403 204 204 403 403 401 401 401 401 401 401',
  ),
  // "invitations create / list / revoke / resend — ADMIN; platform OWNER" (EMPLOYEE not listed);
  // invitations:manage and invitations:read are key-grantable; the ADMIN-ranked custom role lacks manage.
  'POST /organizations/{orgId}/invitations': orgOrKey(
    'createInvitation',
    '401 401 404 403 403 201 201 403 403 403 201 201 201 201 403 403 404',
  ),
  'GET /organizations/{orgId}/invitations': orgOrKey(
    'listInvitations',
    '401 401 404 403 403 200 200 403 200 403 200 200 200 200 403 403 404',
  ),
  'DELETE /organizations/{orgId}/invitations/{invitationId}': orgOrKey(
    'revokeInvitation',
    '401 401 404 403 403 200 200 403 403 403 200 200 200 200 403 403 404',
  ),
  'POST /organizations/{orgId}/invitations/{invitationId}/resend': orgOrKey(
    'resendInvitation',
    '401 401 404 403 403 200 200 403 403 403 200 200 200 200 403 403 404',
  ),
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  'GET /me/invitations': {
    operation: 'listMyInvitations',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  // An invitation addressed to the caller's verified email (a fresh one per cell).
  'POST /me/invitations/{invitationId}/accept': {
    operation: 'acceptInvitation',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  'POST /me/invitations/{invitationId}/decline': {
    operation: 'declineInvitation',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },

  // ---- applications service
  // §3 lists the platform OWNER for "applications create" and "key rotate", but §1 says platform
  // staff never read API keys, and both answers hold a key in plaintext: §1 wins, 403.
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  'POST /organizations/{orgId}/applications': org(
    'createApplication',
    '401 401 404 403 403 201 201 403 201 403 403 401 401 401 401 401 401',
  ),
  'GET /organizations/{orgId}/applications': orgOrKey(
    'listApplications',
    '401 401 404 200 200 200 200 403 200 200 200 200 200 200 403 403 404',
  ),
  'GET /organizations/{orgId}/applications/{appId}': orgOrKey(
    'getApplication',
    '401 401 404 200 200 200 200 403 200 200 200 200 200 200 403 403 404',
  ),
  'PATCH /organizations/{orgId}/applications/{appId}': org(
    'updateApplication',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  'DELETE /organizations/{orgId}/applications/{appId}': org(
    'deleteApplication',
    '401 401 404 403 403 204 204 403 204 403 204 401 401 401 401 401 401',
  ),
  'POST /organizations/{orgId}/applications/{appId}/api-keys/rotate': org(
    'rotateApiKey',
    '401 401 404 403 403 200 200 403 200 403 403 401 401 401 401 401 401',
  ),
  'POST /organizations/{orgId}/applications/{appId}/api-keys/promote': org(
    'promoteApiKey',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  'DELETE /organizations/{orgId}/applications/{appId}/api-keys/next': org(
    'withdrawNextApiKey',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  'POST /organizations/{orgId}/applications/{appId}/api-keys/revoke': org(
    'revokeApiKey',
    '401 401 404 403 403 200 200 403 200 403 200 401 401 401 401 401 401',
  ),
  // "application secrets read / write — ADMIN; no platform group".
  'PUT /organizations/{orgId}/applications/{appId}/secrets/{name}': org(
    'putSecret',
    '401 401 404 403 403 200 200 403 200 403 403 401 401 401 401 401 401',
  ),
  'GET /organizations/{orgId}/applications/{appId}/secrets/{name}': org(
    'getSecret',
    '401 401 404 403 403 200 200 403 200 403 403 401 401 401 401 401 401',
  ),
  'GET /organizations/{orgId}/applications/{appId}/secrets': org(
    'listSecrets',
    '401 401 404 403 403 200 200 403 200 403 403 401 401 401 401 401 401',
  ),
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  // §6: the key itself, with scope applications:self; a user token is no API key (401).
  'GET /applications/me': {
    operation: 'getCallingApplication',
    any: '401 401 401 401 401 401 401 401 401 401 401 200 403 200 403 200 200',
  },

  // ---- notifications service (a user's own inbox; API keys are no users)
  //   an  inv cus VIE MEM ADM OWN aud cad EMP POW key -sf -sn kom kso fky
  'GET /me/notifications': {
    operation: 'listMyNotifications',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  'GET /me/notifications/unread-count': {
    operation: 'getUnreadCount',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  // A notification id that is not the caller's: 404 to every user.
  'POST /me/notifications/{id}/read': {
    operation: 'markNotificationRead',
    any: '401 401 404 404 404 404 404 404 404 404 404 401 401 401 401 401 401',
  },
  'POST /me/notifications/read-all': {
    operation: 'markAllNotificationsRead',
    any: '401 401 200 200 200 200 200 200 200 200 200 401 401 401 401 401 401',
  },
  // "send organization notification — ADMIN, or an API key of that org with scope
  // notifications:send; platform OWNER".
  'POST /organizations/{orgId}/notifications': orgOrKey(
    'sendOrganizationNotification',
    '401 401 404 403 403 201 201 403 201 403 201 201 201 403 403 403 404',
  ),
  // "audit log read — ADMIN; platform OWNER, EMPLOYEE" (audit:read, key-grantable).
  'GET /organizations/{orgId}/audit-log': orgOrKey(
    'getAuditLog',
    '401 401 404 403 403 200 200 200 200 200 200 200 200 200 403 403 404',
  ),
};

/** The statuses of one row, by principal (`undefined`: no such cell). */
export function parseRow(row: string): Record<Principal, number | undefined> {
  const cells = row.trim().split(/\s+/);
  if (cells.length !== PRINCIPALS.length) throw new Error(`a row needs ${PRINCIPALS.length} cells: "${row}"`);
  return Object.fromEntries(
    PRINCIPALS.map((principal, i) => [principal, cells[i] === '-' ? undefined : Number(cells[i])]),
  ) as Record<Principal, number | undefined>;
}
