import type {
  CustomRoleBaseRole,
  Metadata,
  Organization,
  OrganizationStatus,
  Permission,
  Plan,
} from '@tenantry/models';

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
  /** The longest an API key of the organization may live, in days (the applications service reads it). */
  maxKeyLifetimeDays?: number;
}

/** Usage counters (`ORG#id/USAGE`): `seats` = ACTIVE members + PENDING invitations. */
export interface UsageState {
  seats: number;
  /** ACTIVE members only (seats minus PENDING invitations); the memberships service keeps it. */
  activeMembers: number;
  applications: number;
}

export type OrganizationView = Organization;

/**
 * A custom role as this service stores it (contract §9), without the DynamoDB key attributes. Its
 * decision data (`baseRole`, `permissions`) is also kept in the organization item's `roles` map,
 * which the security layer reads; `holders` is kept by the memberships service.
 */
export interface RoleState {
  key: string;
  name: string;
  description?: string;
  baseRole: CustomRoleBaseRole;
  permissions: Permission[];
  /** ACTIVE members and PENDING invitations holding the role. */
  holders: number;
  /** Bumped by every change: an update is written only over the version it was computed from. */
  version: number;
  createdAt: string;
  updatedAt: string;
}
