import { describe, expect, it } from '@jest/globals';
import { ConflictError, NotFoundError } from '@tenantry/errors';
import type { OrganizationState } from '../../src/domain/model';
import {
  assertReactivatable,
  assertRestorable,
  assertSuspendable,
  assertTransferable,
  isDueForPurge,
  purgeAfterOf,
  refusalOfTransfer,
  slugCandidate,
  slugFromName,
  statusAfterRestore,
  toView,
} from '../../src/domain/rules';

const organization = (overrides: Partial<OrganizationState> = {}): OrganizationState => ({
  id: 'org_1',
  name: 'Acme',
  slug: 'acme',
  status: 'ACTIVE',
  plan: 'STARTER',
  ownerId: 'owner',
  metadata: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('slugs', () => {
  it.each([
    ['Acme', 'acme'],
    ['Acme Café, Inc.', 'acme-cafe-inc'],
    ['  --Hello   World--  ', 'hello-world'],
    ['Ünïcödé Ørg', 'unicode-rg'],
  ])('makes %j into %j', (name, slug) => {
    expect(slugFromName(name)).toBe(slug);
  });

  it('gives up on names with fewer than two usable characters', () => {
    expect(slugFromName('!')).toBeUndefined();
    expect(slugFromName('日本')).toBeUndefined();
  });

  it('keeps long names within 63 characters and never ends on a dash', () => {
    const slug = slugFromName(`${'a'.repeat(62)} b`)!;
    expect(slug.length).toBeLessThanOrEqual(63);
    expect(slug).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it('tries the base first, then the base with a random suffix, always a valid slug', () => {
    expect(slugCandidate('acme', 0, () => 'ffff')).toBe('acme');
    expect(slugCandidate('acme', 1, () => 'a1b2c3d4')).toBe('acme-a1b2c3');
    expect(slugCandidate(undefined, 0, () => 'beef')).toBe('org-beef');
    const long = slugCandidate('x'.repeat(63), 2, () => 'abcdef');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });
});

describe('lifecycle', () => {
  it('purges 30 days after the delete', () => {
    expect(purgeAfterOf(new Date('2025-01-01T00:00:00.000Z')).toISOString()).toBe('2025-01-31T00:00:00.000Z');
  });

  it('restores only a DELETED organization whose window is open', () => {
    const now = new Date('2025-01-10T00:00:00.000Z');
    const deleted = organization({ status: 'DELETED', purgeAfter: '2025-01-31T00:00:00.000Z' });
    expect(() => assertRestorable(deleted, now)).not.toThrow();
    expect(() => assertRestorable({ ...deleted, purgeAfter: '2025-01-10T00:00:00.000Z' }, now)).toThrow(NotFoundError);
    expect(() => assertRestorable(organization(), now)).toThrow(ConflictError);
  });

  it('restores to the status before the delete', () => {
    expect(statusAfterRestore(organization({ status: 'DELETED', statusBeforeDelete: 'SUSPENDED' }))).toBe('SUSPENDED');
    expect(statusAfterRestore(organization({ status: 'DELETED' }))).toBe('ACTIVE');
  });

  it('suspends only ACTIVE and reactivates only SUSPENDED organizations', () => {
    expect(() => assertSuspendable('ACTIVE')).not.toThrow();
    expect(() => assertSuspendable('SUSPENDED')).toThrow(ConflictError);
    expect(() => assertSuspendable('DELETED')).toThrow(NotFoundError);
    expect(() => assertReactivatable('SUSPENDED')).not.toThrow();
    expect(() => assertReactivatable('ACTIVE')).toThrow(ConflictError);
  });

  it('is due for purge from purgeAfter on, and only when DELETED', () => {
    const at = new Date('2025-02-01T00:00:00.000Z');
    expect(isDueForPurge({ status: 'DELETED', purgeAfter: '2025-02-01T00:00:00.000Z' }, at)).toBe(true);
    expect(isDueForPurge({ status: 'DELETED', purgeAfter: '2025-02-01T00:00:00.001Z' }, at)).toBe(false);
    expect(isDueForPurge({ status: 'ACTIVE', purgeAfter: '2025-01-01T00:00:00.000Z' }, at)).toBe(false);
  });
});

describe('transfer of ownership', () => {
  const active = (userId: string, role = 'ADMIN') => ({ userId, status: 'ACTIVE', role });

  it('accepts an ACTIVE member other than the owner', () => {
    expect(() => assertTransferable(organization(), 'owner', 'bob', active('bob'))).not.toThrow();
    expect(() => assertTransferable(organization(), 'owner', 'vic', active('vic', 'VIEWER'))).not.toThrow();
  });

  it('refuses oneself (409), a non-member or inactive member (404), and a caller who is not ownerId (409)', () => {
    expect(() => assertTransferable(organization(), 'owner', 'owner', active('owner', 'OWNER'))).toThrow(ConflictError);
    expect(() => assertTransferable(organization(), 'owner', 'eve', undefined)).toThrow(NotFoundError);
    expect(() => assertTransferable(organization(), 'owner', 'eve', { ...active('eve'), status: 'REMOVED' })).toThrow(
      NotFoundError,
    );
    expect(() => assertTransferable(organization(), 'admin', 'bob', active('bob'))).toThrow(ConflictError);
    expect(() => assertTransferable(organization(), 'owner', 'bob', active('bob', 'OWNER'))).toThrow(ConflictError);
  });

  it('explains a failed transfer from what is there now: a lost race is a 409 whatever its target', () => {
    const takenBy = (userId: string) => organization({ ownerId: userId });
    expect(refusalOfTransfer(takenBy('bob'), 'owner', active('bob', 'OWNER'))).toBeInstanceOf(ConflictError);
    expect(refusalOfTransfer(takenBy('bob'), 'owner', active('vic'))).toBeInstanceOf(ConflictError);
    expect(refusalOfTransfer(takenBy('bob'), 'owner', undefined)).toBeInstanceOf(ConflictError);
    expect(refusalOfTransfer(organization(), 'owner', active('bob'))).toBeInstanceOf(ConflictError);
  });

  it('explains it as 404 while the caller still owns and the target left, or when the organization is gone', () => {
    expect(refusalOfTransfer(organization(), 'owner', undefined)).toBeInstanceOf(NotFoundError);
    expect(refusalOfTransfer(organization(), 'owner', { ...active('eve'), status: 'REMOVED' })).toBeInstanceOf(
      NotFoundError,
    );
    expect(refusalOfTransfer(undefined, 'owner', active('bob'))).toBeInstanceOf(NotFoundError);
    expect(refusalOfTransfer(organization({ status: 'DELETED' }), 'owner', active('bob'))).toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('the public view', () => {
  it('shows usage as members/applications and the restore deadline, never the data key or bookkeeping', () => {
    const view = toView(
      organization({
        dataKey: { keyId: 'k', encryptedDataKey: 'secret', mode: 'platform' },
        status: 'DELETED',
        deletedAt: '2025-01-02T00:00:00.000Z',
        purgeAfter: '2025-02-01T00:00:00.000Z',
        statusBeforeDelete: 'ACTIVE',
      }),
      { seats: 3, activeMembers: 2, applications: 2 },
    );
    expect(view.usage).toEqual({ members: 3, applications: 2 });
    expect(view.deletedAt).toBe('2025-01-02T00:00:00.000Z');
    expect(view.purgeAfter).toBe('2025-02-01T00:00:00.000Z');
    expect(Object.keys(view)).not.toEqual(expect.arrayContaining(['dataKey']));
    expect(JSON.stringify(view)).not.toMatch(/secret|statusBeforeDelete/);
  });
});
