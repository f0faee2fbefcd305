/**
 * What the use cases need from the outside world. `src/data` implements the repositories with
 * DynamoDB, `@tenantry/crypto` the sealer, `@tenantry/events` the outbox. No AWS SDK type here.
 * A write that makes a §7 event takes it and stores it in the outbox in the same transaction.
 * Expected conditional failures come back as outcomes; the use cases turn them into errors.
 */
import type { FieldBinding } from '@tenantry/crypto';
import type { EventOutbox, NewDomainEvent } from '@tenantry/events';
import type { KeyScope, NewId, Page, PageQuery } from '@tenantry/models';
import type { TenantScope } from '@tenantry/security';
import type { ApplicationState, DataKeyRecord, SecretState, SecretSummary, SlotRecord } from './model';
import type { KeyChange } from './rules';

export type { Page, PageQuery };

/** What a PATCH of an application changes (checked by the use case). `expiresAt: null` removes the expiry. */
export interface ApplicationChanges {
  name?: string | undefined;
  description?: string | undefined;
  scopes?: readonly KeyScope[] | undefined;
  expiresAt?: string | null | undefined;
}

/** An application of the `expiring` index: its keys expire soon and no notice was written yet. */
export interface ExpiringApplication {
  id: string;
  organizationId: string;
  name: string;
  expiresAt: string;
}

export interface ApplicationRepository {
  /** usage.applications + 1 (below `limit`), the application, its first key and the event, in ONE transaction. */
  create(
    scope: TenantScope,
    app: ApplicationState,
    key: SlotRecord,
    limit: number,
    event: NewDomainEvent,
  ): Promise<'ok' | 'limit'>;
  /** Strongly consistent read of a live application (undefined when absent or deleted). */
  find(organizationId: string, applicationId: string): Promise<ApplicationState | undefined>;
  /** A page of the organization's live applications, oldest id first; forged cursors → 400. */
  list(organizationId: string, page: PageQuery): Promise<Page<ApplicationState>>;
  /**
   * The changes, the version, the key items' scopes and expiry (of every key that may still
   * verify) and the event, in ONE transaction conditional on `app.version`: the application after,
   * or 'changed' (deleted or changed meanwhile).
   */
  update(
    scope: TenantScope,
    app: ApplicationState,
    changes: ApplicationChanges,
    now: Date,
    event: NewDomainEvent,
  ): Promise<ApplicationState | 'changed'>;
  /**
   * Applications of the `expiring` index whose `expiresAt` is within [from, until] in the partition
   * of `day` (a Query, eventually consistent: `markExpiring` decides).
   */
  expiringBetween(day: string, from: string, until: string): Promise<ExpiringApplication[]>;
  /**
   * Marks the application's expiry as noticed (out of the index) and writes the event, in ONE
   * transaction conditional on the expiry still awaiting its notice at `app.expiresAt`: 'changed'
   * when it was noticed already, changed, or the application deleted.
   */
  markExpiring(app: ExpiringApplication, now: Date, event: NewDomainEvent): Promise<'ok' | 'changed'>;
  /** The slots, the key items and the version, in ONE transaction conditional on `app.version`. */
  changeKeys(
    scope: TenantScope,
    app: ApplicationState,
    change: KeyChange,
    now: Date,
    event: NewDomainEvent,
  ): Promise<'ok' | 'changed'>;
  /**
   * Soft delete in ONE transaction conditional on `app.version`: the application becomes a
   * tombstone, usage.applications − 1, and every key item is deleted (they all stop at once).
   */
  softDelete(scope: TenantScope, app: ApplicationState, now: Date, event: NewDomainEvent): Promise<'ok' | 'changed'>;
}

export interface SecretRepository {
  /**
   * A new secret and the application's `secretCount` + 1 (below `max`) in ONE transaction:
   * 'exists' when the name is taken (replace it instead), 'limit' at the cap, 'missing' without a
   * live application.
   */
  create(scope: TenantScope, secret: SecretState, max: number): Promise<'ok' | 'exists' | 'limit' | 'missing'>;
  /** Replaces the value of an existing secret of a live application. */
  replace(scope: TenantScope, secret: SecretState): Promise<SecretState | 'missing'>;
  /** The secret of a live application, strongly consistent (undefined when either is absent). */
  find(organizationId: string, applicationId: string, name: string): Promise<SecretState | undefined>;
  /** Names and timestamps only (the sealed values are not even read). */
  list(organizationId: string, applicationId: string, page: PageQuery): Promise<Page<SecretSummary>>;
}

/** The slice of `@tenantry/crypto`'s `OrganizationKeys` the service uses. */
export interface Sealer {
  seal(record: DataKeyRecord, binding: FieldBinding, plaintext: string): Promise<string>;
  openText(record: DataKeyRecord, binding: FieldBinding, sealed: string): Promise<string>;
}

export interface Dependencies {
  applications: ApplicationRepository;
  secrets: SecretRepository;
  keys: Sealer;
  /** Events that ride on no write of their own (`plan.limit_reached` of a refused create). */
  events: EventOutbox;
  now: () => Date;
  /** Ids of new applications: `newId('app')` (`newId` of @tenantry/models). */
  newId: NewId;
  /** Random bytes for keys (default `crypto.randomBytes`). */
  random?: (bytes: number) => Buffer;
}
