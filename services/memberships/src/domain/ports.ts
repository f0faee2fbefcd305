/** What the use cases need from storage and the event bus; implemented in `src/data`. */

import type { InvitationStatus, OrganizationRole } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { InvitationRecord, MembershipRecordView, OrganizationSummary } from './model';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface MembershipsRepository {
  getMembership(organizationId: string, userId: string): Promise<MembershipRecordView | undefined>;
  getInvitation(organizationId: string, invitationId: string): Promise<InvitationRecord | undefined>;
  /** An invitation by id alone, with its organization (both read strongly consistent). */
  findInvitation(
    invitationId: string,
  ): Promise<{ invitation: InvitationRecord; organization: OrganizationSummary | undefined } | undefined>;
  getOrganizations(organizationIds: string[]): Promise<Map<string, OrganizationSummary>>;
  listMembers(organizationId: string, page: PageQuery): Promise<Page<MembershipRecordView>>;
  listInvitations(
    organizationId: string,
    page: PageQuery & { status?: InvitationStatus },
    now: Date,
  ): Promise<Page<InvitationRecord>>;
  listUserMemberships(userId: string, page: PageQuery): Promise<Page<MembershipRecordView>>;
  /** PENDING, unexpired invitations addressed to `email` (lower-cased). */
  listInviteeInvitations(email: string, page: PageQuery, now: Date): Promise<Page<InvitationRecord>>;
  /** Is there a PENDING, unexpired invitation of this organization for `email`? (index read, best effort) */
  hasPendingInvitation(organizationId: string, email: string, now: Date): Promise<boolean>;
  /** PENDING invitations of an organization whose expiry has passed (they still hold a seat). */
  listLapsedInvitations(organizationId: string, now: Date): Promise<InvitationRecord[]>;

  /** seats + 1 (below `limit`) and the invitation put, atomically. */
  createInvitation(scope: TenantScope, invitation: InvitationRecord, limit: number): Promise<'ok' | 'limit'>;
  /** A PENDING invitation (lapsed or not) gets a new expiry; it keeps its seat. */
  renewInvitation(
    scope: TenantScope,
    invitation: InvitationRecord,
    expiresAt: string,
    now: Date,
  ): Promise<'ok' | 'changed'>;
  /** An EXPIRED invitation becomes PENDING again: it takes a seat (below `limit`). */
  reviveInvitation(
    scope: TenantScope,
    invitation: InvitationRecord,
    expiresAt: string,
    now: Date,
    limit: number,
  ): Promise<'ok' | 'limit' | 'changed'>;
  /** PENDING → DECLINED | REVOKED (unexpired) or EXPIRED (lapsed), seats − 1, atomically. */
  releaseInvitation(
    scope: TenantScope,
    invitation: InvitationRecord,
    status: Extract<InvitationStatus, 'DECLINED' | 'REVOKED' | 'EXPIRED'>,
    now: Date,
    respondedBy?: string,
  ): Promise<'ok' | 'changed'>;
  /** PENDING → ACCEPTED, membership put, active members + 1 (below `limit`), atomically; the seat moves. */
  acceptInvitation(
    scope: TenantScope,
    invitation: InvitationRecord,
    membership: MembershipRecordView,
    limit: number,
    now: Date,
  ): Promise<'ok' | 'limit' | 'changed' | 'exists'>;
  changeRole(
    scope: TenantScope,
    organizationId: string,
    userId: string,
    from: OrganizationRole,
    to: OrganizationRole,
    now: Date,
  ): Promise<MembershipRecordView | 'changed'>;
  /** Membership delete (only if still `role`, never an OWNER), seats − 1, active members − 1. */
  deleteMembership(
    scope: TenantScope,
    organizationId: string,
    userId: string,
    role: OrganizationRole,
  ): Promise<'ok' | 'changed'>;
}

export interface Clock {
  now(): Date;
}
