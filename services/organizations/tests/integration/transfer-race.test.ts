// Concurrent ownership transfers against DynamoDB Local: every request passed the security layer with
// the same organization read (the owner still owning), then all race to the one transaction.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ConflictError, TenantryError } from '@tenantry/errors';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { transferOwnership } from '../../src/domain/organizations';
import { dependencies } from '../../src/runtime';
import { type Cast, cast, membership, organizationItem, organizationWithMembers } from '../support';

let people: Cast;

beforeAll(async () => {
  people = await cast();
}, 60_000);

/** The context the security layer builds for the OWNER's request, with the organization as it is now. */
async function ownerContext(organizationId: string): Promise<OrganizationSecurityContext> {
  const organization = await dependencies().organizations.find(organizationId);
  return {
    scope: 'organization',
    action: 'ownership:transfer',
    requestId: `race-${organizationId}`,
    platformGroups: [],
    principal: { kind: 'user', id: people.owner.userId, email: people.owner.email, emailVerified: true, groups: [] },
    organizationId,
    organization,
    role: 'OWNER',
    access: 'member',
  } as unknown as OrganizationSecurityContext;
}

/** The HTTP status each settled transfer would answer. */
const statusOf = (result: PromiseSettledResult<unknown>) =>
  result.status === 'fulfilled' ? 200 : result.reason instanceof TenantryError ? result.reason.statusCode : 500;

describe('concurrent transfers of ownership', () => {
  it('lets exactly one win and answers 409 to every loser, also those naming the winner as target', async () => {
    const organization = await organizationWithMembers(people);
    const context = await ownerContext(organization.id);
    const targets = [people.admin, people.admin, people.member, people.admin, people.viewer, people.member];

    const results = await Promise.allSettled(
      targets.map((target) => transferOwnership(dependencies(), context, { userId: target.userId })),
    );

    const statuses = results.map(statusOf);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200)).toEqual(Array(targets.length - 1).fill(409));
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    }
    const winner = targets[statuses.indexOf(200)]!;
    expect((await organizationItem(organization.id))?.ownerId).toBe(winner.userId);
    expect((await membership(organization.id, winner.userId))?.role).toBe('OWNER');
    expect((await membership(organization.id, people.owner.userId))?.role).toBe('ADMIN');
  });
});
