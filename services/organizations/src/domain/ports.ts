/**
 * What the use cases need from the outside world: the repositories (implemented with DynamoDB in
 * `src/data`), the outbox, the key service, the clock and id sources; tests may pass fakes. No AWS
 * SDK type appears here. Repositories answer an expected conditional failure with an outcome and
 * throw only for the unexpected; the use case turns outcomes into `@tenantry/errors`.
 */
import type { FieldBinding } from '@tenantry/crypto';
import type { EventOutbox, NewDomainEvent } from '@tenantry/events';
import type { NewId, OrganizationStatus, Page, PageQuery, Plan } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { DataKeyRecord, OrganizationState, RoleState, UsageState } from './model';
import type { TransferTarget } from './rules';

/** The caller that becomes the OWNER of a new organization. */
export interface NewOwner {
  userId: string;
  email?: string | undefined;
}

interface ListQuery extends PageQuery {
  status?: OrganizationStatus | undefined;
}

export interface PurgeResult {
  organizationId: string;
  purged: boolean;
  /** Items deleted in the organizations and memberships tables. */
  deletedItems: number;
}

/**
 * A conditional write's answer: the organization as written, or `'changed'` when its condition
 * failed (the organization is no longer in the state the use case saw; the use case explains why).
 */
export type WriteOutcome = OrganizationState | 'changed';

/**
 * Every write takes the §7 event it makes and stores it in the outbox in the same transaction as the
 * change (docs/adr/0002-transactional-outbox.md): written together or not at all.
 */
export interface OrganizationRepository {
  /** Org + slug claim + usage + OWNER membership + event, in ONE transaction; `'taken'`: the slug is another's. */
  create(
    organization: OrganizationState,
    usage: UsageState,
    owner: NewOwner,
    event: NewDomainEvent,
  ): Promise<'ok' | 'taken'>;
  /** Strongly consistent read of the organization item (undefined when absent). */
  find(organizationId: string): Promise<OrganizationState | undefined>;
  usageOf(organizationId: string): Promise<UsageState | undefined>;
  usageOfMany(organizationIds: string[]): Promise<Map<string, UsageState>>;
  /** A page of every organization (gsi1), in status then creation order. */
  list(query: ListQuery): Promise<Page<OrganizationState>>;
  updateDetails(
    scope: TenantScope,
    changes: {
      name?: string | undefined;
      metadata?: Record<string, string> | undefined;
      /** null removes the cap. */
      maxKeyLifetimeDays?: number | null | undefined;
    },
    now: Date,
    event: NewDomainEvent,
  ): Promise<WriteOutcome>;
  changePlan(scope: TenantScope, plan: Plan, now: Date, event: NewDomainEvent): Promise<WriteOutcome>;
  suspend(scope: TenantScope, current: OrganizationState, now: Date, event: NewDomainEvent): Promise<WriteOutcome>;
  reactivate(scope: TenantScope, current: OrganizationState, now: Date, event: NewDomainEvent): Promise<WriteOutcome>;
  softDelete(scope: TenantScope, current: OrganizationState, now: Date, event: NewDomainEvent): Promise<WriteOutcome>;
  restore(scope: TenantScope, current: OrganizationState, now: Date, event: NewDomainEvent): Promise<WriteOutcome>;
  /**
   * Stores `next` in place of `expected`, conditional on the organization still being ACTIVE,
   * ENTERPRISE and wrapped exactly as `expected`.
   */
  replaceDataKey(
    scope: TenantScope,
    expected: DataKeyRecord,
    next: DataKeyRecord,
    now: Date,
    event: NewDomainEvent,
  ): Promise<WriteOutcome>;
  /** The membership of `userId` in the organization (strongly consistent), if any. */
  membership(organizationId: string, userId: string): Promise<TransferTarget | undefined>;
  /**
   * org.ownerId, the new owner's membership → OWNER and the old owner's → ADMIN, in ONE transaction.
   * `'changed'`: the organization, the target's or the caller's membership moved meanwhile (which
   * one, and what it means, the use case reads from what is there now).
   */
  /**
   * `target` is the new owner as read: its role must still be that one, and a custom role it held
   * (`releasesCustomRole`, while the organization still has it) gives back its holder.
   */
  transferOwnership(
    scope: TenantScope,
    fromUserId: string,
    target: { userId: string; role: string; releasesCustomRole: boolean },
    now: Date,
    event: NewDomainEvent,
  ): Promise<'ok' | 'changed'>;
}

/**
 * Custom roles (contract §9): the role item, the organization item's `roles.<key>` (what the security
 * layer decides with) and, on create and delete, the usage counter `customRoles`, with the event, in
 * ONE transaction. `'changed'`: the organization is no longer ACTIVE (the use case says why).
 */
export interface RoleRepository {
  /** `'limit'`: the plan allows no more; `'exists'`: the key is taken. */
  create(
    scope: TenantScope,
    role: RoleState,
    limit: number,
    event: NewDomainEvent,
  ): Promise<'ok' | 'limit' | 'exists' | 'changed'>;
  /** Strongly consistent read of a custom role. */
  find(organizationId: string, key: string): Promise<RoleState | undefined>;
  /**
   * A page of `leading` (the built-in roles) followed by the custom roles in key order; the cursor
   * is the position of the last item of the page.
   */
  list<T extends { key: string }>(
    organizationId: string,
    query: PageQuery,
    leading: readonly T[],
  ): Promise<Page<T | RoleState>>;
  /** Writes `next` over the role at version `expectedVersion`; `'stale'`: it changed (or went) meanwhile. */
  update(
    scope: TenantScope,
    expectedVersion: number,
    next: RoleState,
    event: NewDomainEvent,
  ): Promise<'ok' | 'stale' | 'changed'>;
  /** `'missing'`: no such role; `{ held }`: members or pending invitations still hold it. */
  delete(
    scope: TenantScope,
    key: string,
    event: NewDomainEvent,
  ): Promise<'ok' | 'missing' | 'changed' | { held: number }>;
}

/** The daily purge (its own module: the only code that deletes a whole tenant). */
export interface PurgeRepository {
  /** Ids of DELETED organizations whose `purgeAfter` is at or before `now` (index query, no scan). */
  dueForPurge(now: Date): Promise<string[]>;
  /** Shreds the data key, then deletes every item of the organization in both tables. */
  purge(organizationId: string, now: Date): Promise<PurgeResult>;
}

/** Where a data key should be re-wrapped (`@tenantry/crypto` `KeyChoice`): a key ARN, dedicated or not; none: the platform key. */
export interface KeyTarget {
  keyArn?: string;
  dedicated?: boolean;
}

/** The slice of `@tenantry/crypto`'s `OrganizationKeys` the service uses. */
interface OrganizationKeyService {
  createOrganizationKey(organizationId: string, plan: Plan): Promise<DataKeyRecord>;
  rewrapOrganizationKey(
    organizationId: string,
    record: DataKeyRecord,
    plan: Plan,
    choice?: KeyTarget,
  ): Promise<DataKeyRecord>;
  provisionDedicatedKey(organizationId: string): Promise<string>;
  seal(record: DataKeyRecord, binding: FieldBinding, plaintext: string): Promise<string>;
  openText(record: DataKeyRecord, binding: FieldBinding, sealed: string): Promise<string>;
  forgetOrganization(organizationId: string): void;
}

export interface Dependencies {
  organizations: OrganizationRepository;
  roles: RoleRepository;
  purge: PurgeRepository;
  /** Events that ride on no write of their own (`platform.access` of a staff list). */
  events: EventOutbox;
  keys: OrganizationKeyService;
  now: () => Date;
  /** Ids of new organizations: `newId('org')` (`newId` of @tenantry/models). */
  newId: NewId;
  random: () => string;
}
