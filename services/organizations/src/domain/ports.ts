/**
 * What the use cases need from the outside world. `src/data` implements the repository with DynamoDB;
 * tests may pass fakes. No AWS SDK type appears here.
 */
import type { EventPublisher } from '@tenantry/events';
import type { OrganizationStatus, Plan } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { DataKeyRecord, OrganizationState, UsageState } from './model';
import type { TransferTarget } from './rules';

/** The caller that becomes the OWNER of a new organization. */
export interface NewOwner {
  userId: string;
  email?: string | undefined;
}

export interface ListQuery {
  status?: OrganizationStatus | undefined;
  limit: number;
  /** The gsi1 sort key the previous page stopped at (from a validated cursor). */
  after?: string | undefined;
}

export interface ListPage {
  items: OrganizationState[];
  /** The gsi1 sort key of the last item, when more may follow. */
  last?: string | undefined;
}

export interface PurgeResult {
  organizationId: string;
  purged: boolean;
  /** Items deleted in the organizations and memberships tables. */
  deletedItems: number;
}

/** Thrown by {@link OrganizationRepository.create} when the slug belongs to another organization. */
export class SlugTakenError extends Error {
  constructor(readonly slug: string) {
    super(`slug ${slug} is taken`);
    this.name = 'SlugTakenError';
  }
}

export interface OrganizationRepository {
  /** Org + slug claim + usage + OWNER membership, in ONE transaction. */
  create(organization: OrganizationState, usage: UsageState, owner: NewOwner): Promise<void>;
  /** Strongly consistent read of the organization item (undefined when absent). */
  find(organizationId: string): Promise<OrganizationState | undefined>;
  usageOf(organizationId: string): Promise<UsageState | undefined>;
  usageOfMany(organizationIds: string[]): Promise<Map<string, UsageState>>;
  list(query: ListQuery): Promise<ListPage>;
  updateDetails(
    scope: TenantScope,
    changes: { name?: string | undefined; metadata?: Record<string, string> | undefined },
    now: Date,
  ): Promise<OrganizationState>;
  changePlan(scope: TenantScope, plan: Plan, now: Date): Promise<OrganizationState>;
  suspend(scope: TenantScope, current: OrganizationState, now: Date): Promise<OrganizationState>;
  reactivate(scope: TenantScope, current: OrganizationState, now: Date): Promise<OrganizationState>;
  softDelete(scope: TenantScope, current: OrganizationState, now: Date): Promise<OrganizationState>;
  restore(scope: TenantScope, current: OrganizationState, now: Date): Promise<OrganizationState>;
  /** The membership of `userId` in the organization (strongly consistent), if any. */
  membership(organizationId: string, userId: string): Promise<TransferTarget | undefined>;
  /** org.ownerId, the new owner's membership → OWNER and the old owner's → ADMIN, in ONE transaction. */
  transferOwnership(scope: TenantScope, fromUserId: string, toUserId: string, now: Date): Promise<OrganizationState>;
  /** Ids of DELETED organizations whose `purgeAfter` is at or before `now` (index query, no scan). */
  dueForPurge(now: Date): Promise<string[]>;
  /** Shreds the data key, then deletes every item of the organization in both tables. */
  purge(organizationId: string, now: Date): Promise<PurgeResult>;
}

/** The slice of `@tenantry/crypto`'s `OrganizationKeys` the service uses. */
export interface OrganizationKeyService {
  createOrganizationKey(organizationId: string, plan: Plan): Promise<DataKeyRecord>;
  forgetOrganization(organizationId: string): void;
}

export interface Dependencies {
  repository: OrganizationRepository;
  events: EventPublisher;
  keys: OrganizationKeyService;
  now: () => Date;
  newId: () => string;
  random: () => string;
}
