import type { Metadata, Organization, OrganizationStatus, Plan } from '@tenantry/models';

/** Days a soft-deleted organization stays restorable before the daily purge removes it (contract §4). */
export const RESTORE_WINDOW_DAYS = 30;

/** The wrapped data key of an organization, as `@tenantry/crypto` returns it (never sent to clients). */
export interface DataKeyRecord {
  keyId: string;
  encryptedDataKey: string;
  mode: 'platform' | 'dedicated' | 'byok';
}

/** An organization as this service stores it, without the DynamoDB key attributes. */
export interface OrganizationState {
  id: string;
  name: string;
  slug: string;
  status: OrganizationStatus;
  plan: Plan;
  ownerId: string;
  metadata: Metadata;
  createdAt: string;
  updatedAt: string;
  suspendedAt?: string;
  deletedAt?: string;
  /** Set with `deletedAt`: after this instant the organization is purged and can no longer be restored. */
  purgeAfter?: string;
  /** The status before a soft delete, so a restore cannot lift a suspension. */
  statusBeforeDelete?: Exclude<OrganizationStatus, 'DELETED'>;
  /** Removed first when the organization is purged (crypto-shredding). */
  dataKey?: DataKeyRecord;
}

/** Usage counters (`ORG#id/USAGE`): `seats` = ACTIVE members + PENDING invitations. */
export interface UsageState {
  seats: number;
  /** ACTIVE members only (seats minus PENDING invitations); the memberships service keeps it. */
  activeMembers: number;
  applications: number;
}

export type OrganizationView = Organization;
