/**
 * Pure rules of the organization lifecycle (contract §2, §4): no I/O, no AWS SDK. The use cases in
 * `organizations.ts` and the repository both rely on them; unit tests cover them directly.
 */
import { ConflictError, NotFoundError, OrganizationSuspendedError, type TenantryError } from '@tenantry/errors';
import type { OrganizationStatus } from '@tenantry/models';
import { encryptionOf } from './encryption';
import { type OrganizationState, type OrganizationView, RESTORE_WINDOW_DAYS, type UsageState } from './model';

const DAY_MS = 24 * 60 * 60 * 1000;
const SLUG_MAX = 63;

/** The instant after which a organization deleted at `deletedAt` is purged. */
export function purgeAfterOf(deletedAt: Date): Date {
  return new Date(deletedAt.getTime() + RESTORE_WINDOW_DAYS * DAY_MS);
}

/**
 * A slug made from a display name (`"Acme Café, Inc."` → `acme-cafe-inc`), or undefined when the name has
 * too few usable characters. Matches the `Slug` schema: `^[a-z0-9][a-z0-9-]*[a-z0-9]$`, 2..63.
 */
export function slugFromName(name: string, maxLength = SLUG_MAX): string | undefined {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
  return slug.length >= 2 ? slug : undefined;
}

/** The slug to try on the `attempt`-th try (0: the base itself; then the base with a random suffix). */
export function slugCandidate(base: string | undefined, attempt: number, random: () => string): string {
  if (base && attempt === 0) return base;
  const suffix =
    random()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 6) || '0';
  const stem = (base ?? 'org').slice(0, SLUG_MAX - suffix.length - 1).replace(/-+$/g, '');
  return `${stem}-${suffix}`;
}

/** The public view of an organization (`Organization` of schemas/): never the data key or key attributes. */
export function toView(organization: OrganizationState, usage: UsageState | undefined): OrganizationView {
  return {
    id: organization.id,
    name: organization.name,
    slug: organization.slug,
    status: organization.status,
    plan: organization.plan,
    ownerId: organization.ownerId,
    metadata: organization.metadata ?? {},
    usage: { members: usage?.seats ?? 0, applications: usage?.applications ?? 0 },
    encryption: encryptionOf(organization.dataKey),
    createdAt: organization.createdAt,
    updatedAt: organization.updatedAt,
    ...(organization.suspendedAt ? { suspendedAt: organization.suspendedAt } : {}),
    ...(organization.deletedAt ? { deletedAt: organization.deletedAt } : {}),
    ...(organization.purgeAfter ? { purgeAfter: organization.purgeAfter } : {}),
    ...(organization.maxKeyLifetimeDays !== undefined ? { maxKeyLifetimeDays: organization.maxKeyLifetimeDays } : {}),
  };
}

/** Suspend: only an ACTIVE organization (a SUSPENDED one is a 409, not a silent success). */
export function assertSuspendable(status: OrganizationStatus): void {
  if (status === 'DELETED') throw new NotFoundError();
  if (status !== 'ACTIVE') throw new ConflictError('The organization is already suspended');
}

/** Reactivate: only a SUSPENDED organization. */
export function assertReactivatable(status: OrganizationStatus): void {
  if (status === 'DELETED') throw new NotFoundError();
  if (status !== 'SUSPENDED') throw new ConflictError('The organization is not suspended');
}

/** Delete: ACTIVE or SUSPENDED (the security layer already answers 404 for a DELETED one). */
export function assertDeletable(status: OrganizationStatus): void {
  if (status === 'DELETED') throw new NotFoundError();
}

/**
 * Restore: a DELETED organization whose restore window is still open. Past the window it is as good
 * as purged: 404, like every other route. Not deleted: 409.
 */
export function assertRestorable(organization: OrganizationState, now: Date): void {
  if (organization.status !== 'DELETED') throw new ConflictError('The organization is not deleted');
  if (!organization.purgeAfter || Date.parse(organization.purgeAfter) <= now.getTime()) throw new NotFoundError();
}

/** The status a restore returns to: the one before the delete (a suspension survives delete + restore). */
export function statusAfterRestore(organization: OrganizationState): Exclude<OrganizationStatus, 'DELETED'> {
  return organization.statusBeforeDelete ?? 'ACTIVE';
}

/**
 * Why a write that needed an ACTIVE organization found it changed, from what is there now: gone or
 * DELETED → 404, SUSPENDED → 403 (as the security layer would answer now), else a concurrent change → 409.
 */
export function refusalOfWrite(current: OrganizationState | undefined): TenantryError {
  if (!current || current.status === 'DELETED') return new NotFoundError();
  if (current.status === 'SUSPENDED') return new OrganizationSuspendedError();
  return changedConcurrently();
}

/** Why a lifecycle transition (suspend, reactivate, delete) found the organization changed: gone → 404, else 409. */
export function refusalOfTransition(current: OrganizationState | undefined): TenantryError {
  if (!current || current.status === 'DELETED') return new NotFoundError();
  return changedConcurrently();
}

/** Why a restore found the organization changed: still restorable → a concurrent change (409), else 404. */
export function refusalOfRestore(current: OrganizationState | undefined, now: Date): TenantryError {
  const restorable =
    current?.status === 'DELETED' && !!current.purgeAfter && Date.parse(current.purgeAfter) > now.getTime();
  return restorable ? changedConcurrently() : new NotFoundError();
}

const changedConcurrently = () => new ConflictError('The organization changed concurrently; retry');

/** Is the organization due for purge at `now`? */
export function isDueForPurge(organization: Pick<OrganizationState, 'status' | 'purgeAfter'>, now: Date): boolean {
  return (
    organization.status === 'DELETED' &&
    organization.purgeAfter !== undefined &&
    Date.parse(organization.purgeAfter) <= now.getTime()
  );
}

/** A member that ownership may be transferred to. */
export interface TransferTarget {
  userId: string;
  status: string;
  role: string;
}

/**
 * Transfer (contract §2, §5): the caller must be the organization's owner (`ownerId`), the target another
 * user with an ACTIVE membership. Self-transfer is a 409 (it would demote the OWNER to ADMIN and
 * promote them back in one write); a missing or inactive target is a 404 (no such member).
 */
export function assertTransferable(
  organization: Pick<OrganizationState, 'ownerId'>,
  callerId: string,
  targetId: string,
  target: TransferTarget | undefined,
): void {
  if (organization.ownerId !== callerId) throw new ConflictError('Only the current owner may transfer ownership');
  if (targetId === callerId) throw new ConflictError('You already own this organization');
  if (target?.status !== 'ACTIVE') throw new NotFoundError('No active member with this user id');
  if (target.role === 'OWNER') throw new ConflictError('This member already owns the organization');
}

/**
 * Why a transfer's transaction failed, from what is there now: its condition only says that
 * something moved. Ownership taken by another request (a lost race, even one that named the same
 * target) is a 409; a 404 only while the caller still owns and the target is no longer an ACTIVE member.
 */
export function refusalOfTransfer(
  current: OrganizationState | undefined,
  callerId: string,
  target: TransferTarget | undefined,
): TenantryError {
  const refusal = refusalOfWrite(current);
  if (!(refusal instanceof ConflictError)) return refusal;
  if (current?.ownerId === callerId && target?.status !== 'ACTIVE') {
    return new NotFoundError('No active member with this user id');
  }
  return new ConflictError('Ownership changed concurrently; retry');
}
