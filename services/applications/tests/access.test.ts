// Every applications route for every organization role, a non-member, platform staff and API keys:
// the answer of the permission table (contract §3), and a refusal changes nothing.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  appPath,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  errorCode,
  type Loose,
  organizationWithMembers,
  type Reply,
  type TestUser,
  usage,
} from './support';

const people = castOfThisFile();
let orgId: string;
/** An API key of this organization and one of another organization. */
let ownKey: string;
let foreignKey: string;

beforeAll(async () => {
  // ENTERPRISE: room for the many applications these cases create.
  orgId = await organizationWithMembers(people, 'ENTERPRISE');
  ownKey = (await createApplication(orgId, people.owner, 'Key holder')).apiKey;
  const other = await createOrganization(people.outsider);
  foreignKey = (await createApplication(other, people.outsider, 'Foreign')).apiKey;
}, 120_000);

type Who = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER' | 'non-member' | 'platform OWNER' | 'platform EMPLOYEE';
const WHO: Who[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'non-member', 'platform OWNER', 'platform EMPLOYEE'];

function user(who: Who): TestUser {
  return {
    OWNER: people.owner,
    ADMIN: people.admin,
    MEMBER: people.member,
    VIEWER: people.viewer,
    'non-member': people.outsider,
    'platform OWNER': people.platformOwner,
    'platform EMPLOYEE': people.employee,
  }[who];
}

interface Fixture {
  appId: string;
}

interface RouteCase {
  name: string;
  /** Arranges a fresh application (as the OWNER) in the state the route needs. */
  arrange?: (appId: string) => Promise<void>;
  request: (f: Fixture) => { method: string; path: string; body?: unknown };
  /** Expected status per principal; anything else than 2xx must change nothing. */
  expect: Record<Who, number>;
  /**
   * A key-grantable route (contract §6) takes API keys: the own key, whose scopes lack its permission,
   * gets 403 and the foreign key 404. Every other route takes no key at all: 401 to both.
   */
  keyGrantable?: true;
}

const read = (ok: number): Record<Who, number> => ({
  OWNER: ok,
  ADMIN: ok,
  MEMBER: ok,
  VIEWER: ok,
  'non-member': 404,
  'platform OWNER': ok,
  'platform EMPLOYEE': ok,
});
/** applications:manage: ADMIN+, platform OWNER. */
const manage = (ok: number): Record<Who, number> => ({
  ...read(ok),
  MEMBER: 403,
  VIEWER: 403,
  'platform EMPLOYEE': 403,
});
/** api_keys:issue and secrets:*: ADMIN+ only, never platform staff (contract §1: staff never read keys or secrets). */
const adminsOnly = (ok: number): Record<Who, number> => ({ ...manage(ok), 'platform OWNER': 403 });

const asOwner = (method: string, path: string, body?: unknown) => call(method, path, { user: people.owner }, body);
const rotate = async (appId: string) => {
  expect((await asOwner('POST', appPath(orgId, appId, '/api-keys/rotate'))).status).toBe(200);
};
const putSecret = async (appId: string) => {
  expect((await asOwner('PUT', appPath(orgId, appId, '/secrets/stripe'), { value: 'sk_live_1' })).status).toBe(200);
};

const routes: RouteCase[] = [
  {
    name: 'POST /organizations/{orgId}/applications',
    request: () => ({ method: 'POST', path: `/organizations/${orgId}/applications`, body: { name: 'New' } }),
    expect: adminsOnly(201),
  },
  {
    name: 'GET /organizations/{orgId}/applications',
    request: () => ({ method: 'GET', path: `/organizations/${orgId}/applications` }),
    expect: read(200),
    keyGrantable: true,
  },
  {
    name: 'GET …/{appId}',
    request: (f) => ({ method: 'GET', path: appPath(orgId, f.appId) }),
    expect: read(200),
    keyGrantable: true,
  },
  {
    name: 'PATCH …/{appId}',
    request: (f) => ({ method: 'PATCH', path: appPath(orgId, f.appId), body: { description: 'changed' } }),
    expect: manage(200),
  },
  {
    name: 'DELETE …/{appId}',
    request: (f) => ({ method: 'DELETE', path: appPath(orgId, f.appId) }),
    expect: manage(204),
  },
  {
    name: 'POST …/api-keys/rotate',
    request: (f) => ({ method: 'POST', path: appPath(orgId, f.appId, '/api-keys/rotate') }),
    expect: adminsOnly(200),
  },
  {
    name: 'POST …/api-keys/promote',
    arrange: rotate,
    request: (f) => ({
      method: 'POST',
      path: appPath(orgId, f.appId, '/api-keys/promote'),
      body: { graceSeconds: 60 },
    }),
    expect: manage(200),
  },
  {
    name: 'DELETE …/api-keys/next',
    arrange: rotate,
    request: (f) => ({ method: 'DELETE', path: appPath(orgId, f.appId, '/api-keys/next') }),
    expect: manage(200),
  },
  {
    name: 'POST …/api-keys/revoke',
    request: (f) => ({ method: 'POST', path: appPath(orgId, f.appId, '/api-keys/revoke') }),
    expect: manage(200),
  },
  {
    name: 'PUT …/secrets/{name}',
    request: (f) => ({ method: 'PUT', path: appPath(orgId, f.appId, '/secrets/token'), body: { value: 'v' } }),
    expect: adminsOnly(200),
  },
  {
    name: 'GET …/secrets/{name}',
    arrange: putSecret,
    request: (f) => ({ method: 'GET', path: appPath(orgId, f.appId, '/secrets/stripe') }),
    expect: adminsOnly(200),
  },
  {
    name: 'GET …/secrets',
    arrange: putSecret,
    request: (f) => ({ method: 'GET', path: appPath(orgId, f.appId, '/secrets') }),
    expect: adminsOnly(200),
  },
];

/** What a refusal must leave as it was: the application, its secrets, the organization's applications. */
async function snapshot(appId: string) {
  const strip = (app: Loose) => {
    for (const slot of ['current', 'next', 'previous']) if (app?.keys?.[slot]) delete app.keys[slot].lastUsedAt;
    return app;
  };
  const [app, secrets, counters] = await Promise.all([
    asOwner('GET', appPath(orgId, appId)),
    asOwner('GET', appPath(orgId, appId, '/secrets')),
    usage(orgId),
  ]);
  return {
    app: [app.status, strip(app.body)],
    secrets: [secrets.status, secrets.body],
    applications: counters?.applications,
  };
}

describe.each(routes)('$name', (route) => {
  it.each(WHO)('answers %s as the permission table says, and a refusal changes nothing', async (who) => {
    const { app } = await createApplication(orgId, people.owner, `For ${who}`);
    await route.arrange?.(app.id);
    const before = await snapshot(app.id);
    const { method, path, body } = route.request({ appId: app.id });

    const reply: Reply = await call(method, path, { user: user(who) }, body);

    expect([who, reply.status]).toEqual([who, route.expect[who]]);
    if (reply.status >= 400) {
      expect(errorCode(reply)).toBe(reply.status === 404 ? 'NOT_FOUND' : 'FORBIDDEN');
      expect(await snapshot(app.id)).toEqual(before);
    }
  });

  it('refuses an API key without the scope (its own organization or another) and changes nothing', async () => {
    const { app } = await createApplication(orgId, people.owner, 'For a key');
    await route.arrange?.(app.id);
    const before = await snapshot(app.id);
    const { method, path, body } = route.request({ appId: app.id });
    const refusals = route.keyGrantable
      ? [[ownKey, 403, 'FORBIDDEN'] as const, [foreignKey, 404, 'NOT_FOUND'] as const]
      : [[ownKey, 401, 'UNAUTHENTICATED'] as const, [foreignKey, 401, 'UNAUTHENTICATED'] as const];
    for (const [apiKey, status, code] of refusals) {
      const reply = await call(method, path, { apiKey }, body);
      expect([reply.status, errorCode(reply)]).toEqual([status, code]);
    }
    expect(await snapshot(app.id)).toEqual(before);
  });
});

describe('credentials', () => {
  it('answers 400 to a Bearer token and an API key together, on user and API-key routes alike', async () => {
    const both = { user: people.owner, apiKey: ownKey };
    const onUserRoute = await call('GET', `/organizations/${orgId}/applications`, both);
    const onKeyRoute = await call('GET', '/applications/me', both);
    expect([onUserRoute.status, errorCode(onUserRoute)]).toEqual([400, 'VALIDATION_FAILED']);
    expect([onKeyRoute.status, errorCode(onKeyRoute)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('answers 401 to a user token on GET /applications/me, platform staff included', async () => {
    for (const who of WHO) {
      const reply = await call('GET', '/applications/me', { user: user(who) });
      expect([who, reply.status]).toEqual([who, 401]);
    }
  });

  it('answers 401 without any credential', async () => {
    expect((await call('GET', `/organizations/${orgId}/applications`)).status).toBe(401);
    expect((await call('GET', '/applications/me')).status).toBe(401);
  });

  it('answers 404 alike for an application of another organization and one that does not exist', async () => {
    const other = await createOrganization(people.admin);
    const { app } = await createApplication(other, people.admin, 'Elsewhere');
    const foreign = await call('GET', appPath(orgId, app.id), { user: people.owner });
    const missing = await call('GET', appPath(orgId, 'app_00000000000000000000000000000000'), { user: people.owner });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'NOT_FOUND']);
    expect({ ...foreign.body.error, requestId: 0 }).toEqual({ ...missing.body.error, requestId: 0 });
  });
});
