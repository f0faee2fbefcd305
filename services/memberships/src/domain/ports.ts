/**
 * What the use cases need from the outside world: the repositories (implemented with DynamoDB in
 * `src/data`), the outbox and the clock. No AWS SDK type appears here. Repositories answer an
 * expected conditional failure with an outcome (`'limit'`, `'changed'`, …) and throw only for the
 * unexpected; the use case turns outcomes into `@tenantry/errors`.
 */
import type { EventOutbox, NewDomainEvent } from '@tenantry/events';
import type { InvitationStatus, MembershipRecord, NewId, Page, PageQuery } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { InvitationRecord, OrganizationAccess, OrganizationSummary } from './model';

export type { Page, PageQuery };

/**
 * Roles are keys: a built-in role's name or a custom role's key (contract §9). A write that gives or
 * takes a custom role moves its `holders` in the same transaction, conditioned on the role still
 * existing: `'role-gone'` when the role it gives was deleted meanwhile.
 *
 * A write that makes a §7 event takes it and stores it in the outbox in the same transaction as the
 * change (docs/adr/0002-transactional-outbox.md): written together or not at all.
 */
export interface MembersRepository {
  /** The ACTIVE membership of `userId` (strongly consistent), if any. */
  get(organizationId: string, userId: string): Promise<MembershipRecord | undefined>;
  /** ACTIVE members of an organization. */
  list(organizationId: string, page: PageQuery): Promise<Page<MembershipRecord>>;
  /** ACTIVE memberships of a user, across organizations (gsi1). */
  listOfUser(userId: string, page: PageQuery): Promise<Page<MembershipRecord>>;
  /**
   * `from` → `to`, only while the member still has `from` and is ACTIVE. `countedFrom`: `from` when
   * its holders go down with it (undefined when the organization no longer has that role).
   */
  changeRole(
    scope: TenantScope,
    userId: string,
    roles: { from: string; to: string; countedFrom: string | undefined },
    now: Date,
    event: NewDomainEvent,
  ): Promise<MembershipRecord | 'changed' | 'role-gone'>;
  /**
   * Membership delete (only if still `role`, never an OWNER), seats − 1, active members − 1, the
   * claim of its `email` released and, with `counted` (the role, while the organization has it),
   * its holders − 1, atomically.
   */
  remove(
    scope: TenantScope,
    member: { userId: string; role: string; email?: string | undefined; counted: string | undefined },
    event: NewDomainEvent,
  ): Promise<'ok' | 'changed'>;
}

export interface InvitationsRepository {
  get(organizationId: string, invitationId: string): Promise<InvitationRecord | undefined>;
  /** An invitation by id alone, with its organization (both read strongly consistent). */
  find(
    invitationId: string,
  ): Promise<{ invitation: InvitationRecord; organization: OrganizationSummary | undefined } | undefined>;
  /** Invitations of an organization, oldest first; `status` as a client sees it (lapsed PENDING = EXPIRED). */
  list(
    organizationId: string,
    page: PageQuery & { status?: InvitationStatus | undefined },
    now: Date,
  ): Promise<Page<InvitationRecord>>;
  /** PENDING, unexpired invitations addressed to `email` (lower-cased). */
  listOfInvitee(email: string, page: PageQuery, now: Date): Promise<Page<InvitationRecord>>;
  /** PENDING invitations of an organization whose expiry has passed (they still hold a seat). */
  listLapsed(organizationId: string, now: Date): Promise<InvitationRecord[]>;

  /**
   * seats + 1 (below `limit`), the invitation put and the claim of its email taken, atomically:
   * `taken` while another PENDING invitation or a member holds that email.
   */
  create(
    scope: TenantScope,
    invitation: InvitationRecord,
    limit: number,
    event: NewDomainEvent,
  ): Promise<'ok' | 'limit' | 'taken' | 'role-gone'>;
  /** A PENDING invitation (lapsed or not) gets a new expiry; it keeps its seat. */
  renew(scope: TenantScope, invitation: InvitationRecord, expiresAt: string, now: Date): Promise<'ok' | 'changed'>;
  /** An EXPIRED invitation becomes PENDING again: it takes a seat (below `limit`). */
  revive(
    scope: TenantScope,
    invitation: InvitationRecord,
    expiresAt: string,
    now: Date,
    limit: number,
  ): Promise<'ok' | 'limit' | 'changed' | 'taken' | 'role-gone'>;
  /**
   * PENDING → DECLINED | REVOKED (unexpired) or EXPIRED (lapsed), seats − 1, atomically, with the
   * event (none for an expiry: it is housekeeping, not a §7 event).
   */
  release(
    scope: TenantScope,
    invitation: InvitationRecord,
    status: Extract<InvitationStatus, 'DECLINED' | 'REVOKED' | 'EXPIRED'>,
    now: Date,
    options?: { respondedBy?: string; event?: NewDomainEvent },
  ): Promise<'ok' | 'changed'>;
  /** PENDING → ACCEPTED, membership put, active members + 1 (below `limit`), atomically; the seat moves. */
  accept(
    scope: TenantScope,
    invitation: InvitationRecord,
    membership: MembershipRecord,
    limit: number,
    now: Date,
    event: NewDomainEvent,
  ): Promise<'ok' | 'limit' | 'changed' | 'exists' | 'role-gone'>;
}

/** The organizations this service shows next to memberships and invitations (read-only). */
export interface OrganizationsReader {
  /** Summaries of the organizations found (absent ids are missing from the map). */
  summaries(organizationIds: string[]): Promise<Map<string, OrganizationSummary>>;
  /** The organization with its custom roles and the user's membership there, read together (strongly consistent). */
  access(organizationId: string, userId: string): Promise<OrganizationAccess>;
}

export interface Dependencies {
  members: MembersRepository;
  invitations: InvitationsRepository;
  organizations: OrganizationsReader;
  /** Events that ride on no write of their own (`plan.limit_reached` of a refused invitation). */
  events: EventOutbox;
  now: () => Date;
  /** Ids of new invitations: `newId('inv', { at: now })`, time-ordered (`newId` of @tenantry/models). */
  newId: NewId;
}
