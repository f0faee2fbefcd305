/**
 * What the use cases need from the outside world. `src/data` implements it with DynamoDB and the event
 * bus; tests may pass their own. No AWS SDK type appears here.
 */
import type { EventType, NewId, OrganizationRole, PageQuery } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { BroadcastRecord, DomainEvent, InboxAddress, Member, NotificationRecord, Page } from './model';

/** One notification to write; with `delivery`, the pending broadcast delivery it settles (same transaction). */
export interface Delivery {
  notification: NotificationRecord;
  delivery?: { organizationId: string; broadcastId: string; userId: string } | undefined;
}

export interface InboxQuery extends PageQuery {
  unread: boolean;
}

export type MarkReadOutcome = 'ok' | 'unchanged';

export interface MarkAllOutcome {
  updated: number;
  /** False when the deadline came first: unread notifications remain, and a new call continues. */
  complete: boolean;
}

export interface InboxRepository {
  /**
   * Writes each notification (unless its id exists: a redelivery) together with its inbox's unread
   * counter, one transaction per group; returns how many were new.
   */
  deliver(deliveries: Delivery[], now: Date): Promise<number>;
  /** The live notifications of the inboxes, merged newest first. */
  list(addresses: InboxAddress[], query: InboxQuery, now: Date): Promise<Page<NotificationRecord>>;
  /** A live notification of one of the inboxes, by id. */
  find(addresses: InboxAddress[], id: string, now: Date): Promise<NotificationRecord | undefined>;
  /** Marks it read and decrements its counter, in one transaction; `unchanged` when it was already read. */
  markRead(notification: NotificationRecord, now: Date): Promise<MarkReadOutcome>;
  /**
   * Marks the unread notifications of an inbox read in conditional batches (at least one), until none
   * is left or `deadline` (epoch ms) has passed.
   */
  markAllRead(address: InboxAddress, now: Date, deadline: number): Promise<MarkAllOutcome>;
  /** The sum of the live unread counters of the inboxes (one read per inbox). */
  unreadCount(addresses: InboxAddress[], now: Date): Promise<number>;
}

export interface AuditQuery extends PageQuery {
  type?: EventType | undefined;
}

export interface AuditRepository {
  /** Appends the event once: false when an entry for its id already exists (a redelivery). */
  append(event: DomainEvent): Promise<boolean>;
  /** The audit log of an organization, newest first. */
  list(scope: TenantScope, query: AuditQuery): Promise<Page<DomainEvent>>;
}

/** Event ids whose notifications are all written. */
export interface EventReceipts {
  isNotified(eventId: string): Promise<boolean>;
  markNotified(eventId: string, now: Date): Promise<void>;
}

/** The memberships table, read only. */
export interface MemberDirectory {
  /** ACTIVE members of the organization (all of them, or only those with one of `roles`). */
  activeMembers(organizationId: string, roles?: readonly OrganizationRole[]): Promise<Member[]>;
}

export interface BroadcastRepository {
  /**
   * Stores the broadcast (unless one with its id exists: then that one is returned and resumed) and one
   * pending delivery per recipient (BatchWriteItem, unprocessed items retried).
   */
  create(scope: TenantScope, broadcast: BroadcastRecord, userIds: string[]): Promise<BroadcastRecord>;
  find(scope: TenantScope, broadcastId: string): Promise<BroadcastRecord | undefined>;
  /** Up to `limit` recipients still waiting for their notification. */
  pending(scope: TenantScope, broadcastId: string, limit: number): Promise<string[]>;
}

/** What the queue hands to `continueBroadcast`: the broadcast whose deliveries are left. */
export interface ContinuationMessage {
  organizationId: string;
  broadcastId: string;
}

/** Hands the rest of a broadcast's deliveries to a later invocation (deployed: the bus, with retries and a DLQ). */
export interface ContinuationQueue {
  enqueue(organizationId: string, broadcastId: string): Promise<void>;
}

export interface Dependencies {
  inbox: InboxRepository;
  audit: AuditRepository;
  receipts: EventReceipts;
  members: MemberDirectory;
  broadcasts: BroadcastRepository;
  continuations: ContinuationQueue;
  now: () => Date;
  /** Ids of new broadcasts: `newId('bc')` (`newId` of @tenantry/models). */
  newId: NewId;
  /** How long a request may spend delivering a broadcast or marking notifications read (ms). */
  budgetMs: number;
}
