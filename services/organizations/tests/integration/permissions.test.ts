// Every route, for every kind of caller (contract §1–3): members by role, a non-member, platform staff
// without a membership. Each case runs on its own organization so a success cannot hide a denial.

import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, errorCode } from '@tenantry/local-platform/testing';
import type { Organization } from '@tenantry/models';
import { type Cast, cast, organizationWithMembers } from '../support';

type Caller = keyof Cast;
type Setup = 'active' | 'suspended' | 'deleted';

interface RouteCase {
  name: string;
  method: string;
  path: (orgId: string) => string;
  body?: (people: Cast) => unknown;
  setup: Setup;
  /** Expected status per caller. */
  expect: Record<Caller, number>;
}

const MEMBERS_READ = { owner: 200, admin: 200, member: 200, viewer: 200 };
const routes: RouteCase[] = [
  {
    name: 'getOrganization',
    method: 'GET',
    path: (id) => `/organizations/${id}`,
    setup: 'active',
    expect: { ...MEMBERS_READ, outsider: 404, platformOwner: 200, employee: 200, customer: 404 },
  },
  {
    name: 'updateOrganization',
    method: 'PATCH',
    path: (id) => `/organizations/${id}`,
    body: () => ({ name: 'Renamed' }),
    setup: 'active',
    expect: {
      owner: 200,
      admin: 200,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 403,
      customer: 404,
    },
  },
  {
    name: 'deleteOrganization',
    method: 'DELETE',
    path: (id) => `/organizations/${id}`,
    setup: 'active',
    expect: {
      owner: 200,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 403,
      customer: 404,
    },
  },
  {
    name: 'restoreOrganization',
    method: 'POST',
    path: (id) => `/organizations/${id}/restore`,
    setup: 'deleted',
    expect: {
      owner: 200,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 403,
      customer: 404,
    },
  },
  {
    name: 'changePlan',
    method: 'PUT',
    path: (id) => `/organizations/${id}/plan`,
    body: () => ({ plan: 'PRO' }),
    setup: 'active',
    expect: {
      owner: 403,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 403,
      customer: 404,
    },
  },
  {
    name: 'suspendOrganization',
    method: 'POST',
    path: (id) => `/organizations/${id}/suspend`,
    setup: 'active',
    expect: {
      owner: 403,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 200,
      customer: 404,
    },
  },
  {
    name: 'reactivateOrganization',
    method: 'POST',
    path: (id) => `/organizations/${id}/reactivate`,
    setup: 'suspended',
    expect: {
      owner: 403,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 200,
      employee: 200,
      customer: 404,
    },
  },
  {
    name: 'transferOwnership',
    method: 'POST',
    path: (id) => `/organizations/${id}/transfer-ownership`,
    body: (people) => ({ userId: people.member.userId }),
    setup: 'active',
    expect: {
      owner: 200,
      admin: 403,
      member: 403,
      viewer: 403,
      outsider: 404,
      platformOwner: 403,
      employee: 403,
      customer: 404,
    },
  },
];

const CALLERS: Caller[] = ['owner', 'admin', 'member', 'viewer', 'outsider', 'platformOwner', 'employee', 'customer'];

let people: Cast;

beforeAll(async () => {
  people = await cast();
}, 60_000);

async function arrange(setup: Setup): Promise<Organization> {
  const organization = await organizationWithMembers(people);
  if (setup === 'suspended') {
    expect((await call(people.platformOwner, 'POST', `/organizations/${organization.id}/suspend`)).status).toBe(200);
  }
  if (setup === 'deleted') {
    expect((await call(people.owner, 'DELETE', `/organizations/${organization.id}`)).status).toBe(200);
  }
  return organization;
}

describe.each(routes)('$method $name', (route) => {
  it.each(CALLERS)('answers %s as the permission table says, and a refusal changes nothing', async (caller) => {
    const organization = await arrange(route.setup);
    const before = await call<Organization>(people.platformOwner, 'GET', `/organizations/${organization.id}`);

    const reply = await call(people[caller], route.method, route.path(organization.id), route.body?.(people));

    expect(reply.status).toBe(route.expect[caller]);
    if (reply.status === 404) expect(errorCode(reply)).toBe('NOT_FOUND');
    if (reply.status === 403) expect(errorCode(reply)).toBe('FORBIDDEN');
    if (reply.status >= 400) {
      const after = await call<Organization>(people.platformOwner, 'GET', `/organizations/${organization.id}`);
      expect(after.status).toBe(before.status);
      if (before.status === 200) expect(after.body).toEqual(before.body);
    }
  });

  it('answers 404 for an organization that does not exist, even to the platform OWNER', async () => {
    const reply = await call(people.platformOwner, route.method, route.path('org_doesnotexist'), route.body?.(people));
    expect(reply.status).toBe(404);
    expect(errorCode(reply)).toBe('NOT_FOUND');
  });

  it('answers 401 without a token', async () => {
    const reply = await call(undefined, route.method, route.path('org_any'), route.body?.(people));
    expect(reply.status).toBe(401);
  });
});

describe('POST /organizations and GET /organizations by caller', () => {
  it.each(CALLERS)('lets %s create an organization and become its OWNER', async (caller) => {
    const reply = await call<Organization>(people[caller], 'POST', '/organizations', { name: `By ${caller}` });
    expect(reply.status).toBe(201);
    expect(reply.body.ownerId).toBe(people[caller].userId);
  });

  it.each(CALLERS.map((caller) => [caller, caller === 'platformOwner' || caller === 'employee' ? 200 : 403] as const))(
    'answers GET /organizations to %s with %i',
    async (caller, status) => {
      const reply = await call(people[caller], 'GET', '/organizations?limit=1');
      expect(reply.status).toBe(status);
    },
  );
});
