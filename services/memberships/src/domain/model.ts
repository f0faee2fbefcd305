/**
 * The memberships domain: invitation and membership records, their public views, and the pure
 * rules of invitation expiry. No I/O here; roles are compared only by `@tenantry/security`.
 */
import type { Invitation, InvitationStatus, Membership, MembershipRecord } from '@tenantry/models';
import type { CustomRoles } from '@tenantry/security';

/** A PENDING invitation expires this long after it was created or last resent (contract §5). */
const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long an invitation is kept after it stopped holding a seat (ACCEPTED, DECLINED, REVOKED,
 * EXPIRED), before DynamoDB TTL deletes it. A PENDING invitation carries NO `ttl`: TTL can never
 * delete an item that still counts in `seats` (see README, "Seats and expiry").
 */
const INVITATION_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** An invitation as stored (memberships table, `ORG#<orgId>` / `INVITATION#<id>`). */
export interface InvitationRecord {
  id: string;
  organizationId: string;
  /** Lower-cased. */
  email: string;
  /** A built-in role or a custom role's key (contract §9). */
  role: string;
  status: InvitationStatus;
  invitedBy: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  /** The user who accepted or declined it. */
  respondedBy?: string;
  /** Epoch seconds; set only once the invitation no longer holds a seat. */
  ttl?: number;
}

/** The organization fields this service reads (written by the organizations service). */
export interface OrganizationSummary {
  id: string;
  name: string;
  slug?: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'DELETED';
  plan: string;
  ownerId?: string;
}

/** An organization as `GET /organizations/{orgId}/me` needs it, with the caller's membership there. */
export interface OrganizationAccess {
  organization: { status: OrganizationSummary['status']; roles?: CustomRoles } | undefined;
  membership: MembershipRecord | undefined;
}

/** Emails are compared and stored lower-cased (the invitee GSI is keyed on it). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const expiryFrom = (now: Date): string => new Date(now.getTime() + INVITATION_LIFETIME_MS).toISOString();

export const retentionTtl = (now: Date): number => Math.floor(now.getTime() / 1000) + INVITATION_RETENTION_SECONDS;

/** A PENDING invitation whose expiry has passed: it still holds its seat until it is expired in storage. */
export function isLapsed(invitation: Pick<InvitationRecord, 'status' | 'expiresAt'>, now: Date): boolean {
  return invitation.status === 'PENDING' && invitation.expiresAt <= now.toISOString();
}

/** The status a client sees: a lapsed PENDING invitation is EXPIRED even before storage says so. */
export function effectiveStatus(
  invitation: Pick<InvitationRecord, 'status' | 'expiresAt'>,
  now: Date,
): InvitationStatus {
  return isLapsed(invitation, now) ? 'EXPIRED' : invitation.status;
}

export function toInvitation(record: InvitationRecord, now: Date, organizationName?: string): Invitation {
  return {
    id: record.id,
    organizationId: record.organizationId,
    ...(organizationName ? { organizationName } : {}),
    email: record.email,
    role: record.role,
    status: effectiveStatus(record, now),
    invitedBy: record.invitedBy,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    expiresAt: record.expiresAt,
  };
}

export function toMembership(record: MembershipRecord): Membership {
  return {
    organizationId: record.organizationId,
    userId: record.userId,
    ...(record.email ? { email: record.email } : {}),
    role: record.role,
    status: record.status,
    joinedAt: record.joinedAt,
    updatedAt: record.updatedAt,
  };
}
