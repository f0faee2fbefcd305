// The authorization matrix (OWASP API1/API5): every route the services declare × every
// principal × every target, through the ONE base URL, against the hand-written expectations of
// matrix.expectations.ts. Cells run concurrently in a small pool; a cell whose success destroys or
// changes its fixture gets a fresh one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  CUSTOM_ROLES,
  EXPECTATIONS,
  KEY_SCOPES,
  PRINCIPALS,
  type Principal,
  parseRow,
  type Target,
} from './matrix.expectations';
import {
  type Answer,
  arrange,
  changePlan,
  createApplication,
  createOrganization,
  createRole,
  type DeclaredRoute,
  declaredRoutes,
  type GivenRole,
  invite,
  join,
  missingOrganizationId,
  pool,
  randomEmail,
  recordPart,
  rotate,
  send,
  sendWhileBusy,
  type TestUser,
  testUser,
} from './support';

jest.setTimeout(900_000);

const POOL = 8;
const SECRET = 'matrix-secret';

type CustomRolePrincipal = keyof typeof CUSTOM_ROLES;
type UserPrincipal =
  | 'customer'
  | 'VIEWER'
  | 'MEMBER'
  | 'ADMIN'
  | 'OWNER'
  | CustomRolePrincipal
  | 'employee'
  | 'platformOwner';
type KeyPrincipal = keyof typeof KEY_SCOPES;
type OwnKeyPrincipal = Exclude<KeyPrincipal, 'foreignKey'>;
const CUSTOM_ROLE_PRINCIPALS = Object.keys(CUSTOM_ROLES) as CustomRolePrincipal[];
/** The members of `own` (and of every organization made for a cell) and the role each is given. */
const MEMBER_ROLES: Partial<Record<Principal, GivenRole>> = {
  VIEWER: 'VIEWER',
  MEMBER: 'MEMBER',
  ADMIN: 'ADMIN',
  auditor: CUSTOM_ROLES.auditor.key,
  customAdmin: CUSTOM_ROLES.customAdmin.key,
};
const MEMBER_PRINCIPALS = Object.keys(MEMBER_ROLES) as UserPrincipal[];
const KEY_PRINCIPALS = Object.keys(KEY_SCOPES) as KeyPrincipal[];
const OWN_KEY_PRINCIPALS = KEY_PRINCIPALS.filter((principal) => principal !== 'foreignKey') as OwnKeyPrincipal[];
/** A custom role of every organization of the matrix that nobody holds: the target of the role routes. */
const SPARE_ROLE = { key: 'matrix-spare', baseRole: 'VIEWER', permissions: ['organization:read'] } as const;

/** An organization and the objects inside it that routes name. */
interface World {
  orgId: string;
  name: string;
  appId: string;
  /** An application with a pending next key (promote, withdraw). */
  nextAppId: string;
  invitationId: string;
  /** A VIEWER member (not a principal): the target of member routes and of a transfer. */
  subjectUserId: string;
  /** A custom role nobody holds: the target of the role routes. */
  roleKey: string;
  /** Keys of this organization's applications, when the world issues its own. */
  keys?: Partial<Record<KeyPrincipal, string>>;
}

const users = {} as Record<UserPrincipal, TestUser>;
const keys = {} as Record<KeyPrincipal, string>;
let invalidToken: string;
let own: World;
let foreign: World;
let foreignOwner: TestUser;
let hosts: { accept: { id: string; owner: TestUser }; decline: { id: string; owner: TestUser } };
let stateWorlds: Record<'DELETED' | 'SUSPENDED', World>;

/**
 * How a route's fixture is renewed. `fresh` kinds apply to cells whose expected answer is a success
 * (2xx); `state` kinds to every cell aimed at `own` (the route acts on an organization in that state).
 */
const FRESH: Record<
  string,
  'organization' | 'subject' | 'invitation' | 'application' | 'nextKey' | 'myInvitation' | 'role'
> = {
  deleteOrganization: 'organization',
  suspendOrganization: 'organization',
  transferOwnership: 'organization',
  setEncryptionKey: 'organization',
  leaveOrganization: 'organization',
  updateMember: 'subject',
  removeMember: 'subject',
  revokeInvitation: 'invitation',
  // A PATCH is written over the version it read: successes aimed at one application at once would
  // refuse each other (409), which is no answer of the policy.
  updateApplication: 'application',
  deleteApplication: 'application',
  rotateApiKey: 'application',
  revokeApiKey: 'application',
  promoteApiKey: 'nextKey',
  withdrawNextApiKey: 'nextKey',
  acceptInvitation: 'myInvitation',
  declineInvitation: 'myInvitation',
  deleteRole: 'role',
};
const STATE: Record<string, 'DELETED' | 'SUSPENDED'> = {
  restoreOrganization: 'DELETED',
  reactivateOrganization: 'SUSPENDED',
};

function bodyOf(operation: string, world: World): unknown {
  switch (operation) {
    case 'createOrganization':
      return { name: `Matrix ${randomUUID()}` };
    case 'updateOrganization':
      return { name: `Matrix renamed ${randomUUID().slice(0, 8)}` };
    case 'changePlan':
      return { plan: 'ENTERPRISE' };
    case 'transferOwnership':
      return { userId: world.subjectUserId };
    case 'setEncryptionKey':
      return { mode: 'dedicated' };
    case 'updateMember':
      return { role: 'MEMBER' };
    case 'createInvitation':
      return { email: randomEmail(), role: 'VIEWER' };
    case 'createApplication':
      return { name: 'Matrix app' };
    case 'updateApplication':
      return { description: `Changed ${randomUUID().slice(0, 8)}` };
    case 'putSecret':
      return { value: 'matrix value' };
    case 'createRole':
      return { key: `m-${randomUUID().slice(0, 8)}`, name: 'Matrix role', baseRole: 'VIEWER', permissions: [] };
    case 'updateRole':
      return { description: `Changed ${randomUUID().slice(0, 8)}` };
    case 'sendOrganizationNotification':
      return { title: 'Matrix', body: 'Matrix cell', audience: { roles: ['OWNER'] } };
    default:
      return undefined;
  }
}

function credentials(principal: Principal): { token?: string; apiKey?: string } | undefined {
  if (principal === 'anonymous') return undefined;
  if (principal === 'invalidToken') return { token: invalidToken };
  if ((KEY_PRINCIPALS as readonly string[]).includes(principal)) return { apiKey: keys[principal as KeyPrincipal] };
  return { token: users[principal as UserPrincipal].token };
}

function pathOf(route: DeclaredRoute, world: World, invitationId?: string): string {
  return route.path
    .replace('{orgId}', world.orgId)
    .replace(
      '{appId}',
      ['promoteApiKey', 'withdrawNextApiKey'].includes(route.operation) ? world.nextAppId : world.appId,
    )
    .replace('{userId}', world.subjectUserId)
    .replace('{invitationId}', invitationId ?? world.invitationId)
    .replace('{name}', SECRET)
    .replace('{roleKey}', world.roleKey)
    .replace('{id}', `ntf_${randomUUID().replaceAll('-', '')}`);
}

// ---------------------------------------------------------------------------------------------
// Worlds

async function subject(orgId: string, owner: TestUser): Promise<string> {
  const user = await testUser();
  await join(owner, orgId, user, 'VIEWER');
  return user.userId;
}

/**
 * The custom roles of the matrix in `orgId` of `owner` (after a plan change to PRO when asked: STARTER
 * allows none), then the member principals `members` joined with their roles.
 */
async function furnish(
  owner: TestUser,
  orgId: string,
  options: { plan?: 'PRO'; members: readonly UserPrincipal[] },
): Promise<void> {
  if (options.plan) await changePlan(users.platformOwner, orgId, options.plan);
  await Promise.all(
    [SPARE_ROLE, ...Object.values(CUSTOM_ROLES)].map((role) =>
      createRole(owner, orgId, { ...role, permissions: [...role.permissions] }),
    ),
  );
  await Promise.all(options.members.map((principal) => join(owner, orgId, users[principal], MEMBER_ROLES[principal]!)));
}

/** An application of `orgId` for each key principal of its own, with that principal's scopes. */
async function issueKeys(
  owner: TestUser,
  orgId: string,
  principals: readonly KeyPrincipal[],
): Promise<Partial<Record<KeyPrincipal, { id: string; apiKey: string }>>> {
  const apps = await Promise.all(principals.map((principal) => createApplication(owner, orgId, KEY_SCOPES[principal])));
  return Object.fromEntries(principals.map((principal, i) => [principal, apps[i]!]));
}

const apiKeysOf = (apps: Partial<Record<KeyPrincipal, { apiKey: string }>>): Partial<Record<KeyPrincipal, string>> =>
  Object.fromEntries(Object.entries(apps).map(([principal, app]) => [principal, app.apiKey]));

/** Puts an organization into `state` (soft-deleted by its OWNER, suspended by the platform OWNER). */
async function enterState(orgId: string, state: 'DELETED' | 'SUSPENDED'): Promise<void> {
  if (state === 'DELETED') await arrange(users.OWNER, 'DELETE', `/organizations/${orgId}`, undefined, 200);
  else await arrange(users.platformOwner, 'POST', `/organizations/${orgId}/suspend`, undefined, 200);
}

/**
 * A new organization of OWNER for one cell whose success changes it: `principal` a member of its
 * role (a custom one defined there first), a subject member when the route needs one (transfer),
 * ENTERPRISE when asked, then `state`.
 */
async function freshWorld(
  principal: Principal,
  operation: string,
  options: { enterprise?: boolean; state?: 'DELETED' | 'SUSPENDED' } = {},
): Promise<World> {
  const owner = users.OWNER;
  const created = await createOrganization(owner);
  const orgId = created.id;
  if (options.enterprise) await changePlan(users.platformOwner, orgId, 'ENTERPRISE');
  const role = MEMBER_ROLES[principal];
  const member = principal as UserPrincipal;
  const custom = (CUSTOM_ROLE_PRINCIPALS as readonly string[]).includes(principal);
  const [subjectUserId] = await Promise.all([
    operation === 'transferOwnership' ? subject(orgId, owner) : Promise.resolve(own.subjectUserId),
    custom
      ? furnish(owner, orgId, { ...(options.enterprise ? {} : { plan: 'PRO' as const }), members: [member] })
      : role
        ? join(owner, orgId, users[member], role)
        : Promise.resolve(),
  ]);
  if (options.state) await enterState(orgId, options.state);
  return { ...own, orgId, name: created.name, subjectUserId };
}

/**
 * An organization in `state` for the cells of restore and reactivate that change nothing: the member
 * principals are its members and the key principals hold its keys (which §6 says stop verifying).
 */
async function stateWorld(state: 'DELETED' | 'SUSPENDED'): Promise<World> {
  const owner = users.OWNER;
  const created = await createOrganization(owner);
  const orgId = created.id;
  // PRO before anything: its custom roles and its five applications are more than STARTER allows.
  await changePlan(users.platformOwner, orgId, 'PRO');
  const [apps] = await Promise.all([
    issueKeys(owner, orgId, OWN_KEY_PRINCIPALS),
    furnish(owner, orgId, { members: MEMBER_PRINCIPALS }),
  ]);
  await enterState(orgId, state);
  return { ...own, orgId, name: created.name, keys: apiKeysOf(apps) };
}

/**
 * `own` (members: every member principal joined) or `foreign` (no member principal), ENTERPRISE,
 * with the matrix's custom roles, a key of each key principal `keyed`, an application with a pending
 * next key, a secret, a PENDING invitation and a VIEWER subject.
 */
async function sharedWorld(owner: TestUser, members: boolean, keyed: readonly KeyPrincipal[]): Promise<World> {
  const created = await createOrganization(owner);
  const orgId = created.id;
  await changePlan(users.platformOwner, orgId, 'ENTERPRISE');
  const [subjectUserId, apps, next] = await Promise.all([
    members ? subject(orgId, owner) : Promise.resolve(owner.userId),
    issueKeys(owner, orgId, keyed),
    createApplication(owner, orgId),
    furnish(owner, orgId, { members: members ? MEMBER_PRINCIPALS : [] }),
  ]);
  const app = apps[keyed[0]!]!;
  await rotate(owner, orgId, next.id);
  await arrange(owner, 'PUT', `/organizations/${orgId}/applications/${app.id}/secrets/${SECRET}`, { value: 'x' }, 200);
  return {
    orgId,
    name: created.name,
    appId: app.id,
    nextAppId: next.id,
    invitationId: await invite(owner, orgId, randomEmail(), 'VIEWER'),
    subjectUserId,
    roleKey: SPARE_ROLE.key,
    keys: apiKeysOf(apps),
  };
}

beforeAll(async () => {
  [
    users.customer,
    users.VIEWER,
    users.MEMBER,
    users.ADMIN,
    users.OWNER,
    users.auditor,
    users.customAdmin,
    users.employee,
    users.platformOwner,
    foreignOwner,
  ] = await Promise.all([
    testUser({ group: 'CUSTOMER' }),
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser({ group: 'EMPLOYEE' }),
    testUser({ group: 'OWNER' }),
    testUser(),
  ]);
  // A token of the right shape and issuer whose signature does not verify.
  const [header, payload] = users.customer.token.split('.');
  invalidToken = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;

  [own, foreign] = await Promise.all([
    sharedWorld(users.OWNER, true, OWN_KEY_PRINCIPALS),
    sharedWorld(foreignOwner, false, ['foreignKey']),
  ]);
  Object.assign(keys, own.keys, foreign.keys);

  const [deleted, suspended] = await Promise.all([stateWorld('DELETED'), stateWorld('SUSPENDED')]);
  stateWorlds = { DELETED: deleted, SUSPENDED: suspended };

  const hostOwners = await Promise.all([testUser(), testUser()]);
  const hostOrgs = await Promise.all(hostOwners.map((owner) => createOrganization(owner)));
  await Promise.all(hostOrgs.map((org) => changePlan(users.platformOwner, org.id, 'ENTERPRISE')));
  hosts = {
    accept: { id: hostOrgs[0]!.id, owner: hostOwners[0]! },
    decline: { id: hostOrgs[1]!.id, owner: hostOwners[1]! },
  };
}, 300_000);

// ---------------------------------------------------------------------------------------------
// Cells

interface Cell {
  route: DeclaredRoute;
  principal: Principal;
  target: Target | 'any';
  expected: number;
}

interface Outcome {
  cell: Cell;
  answer: Answer;
  failure?: string;
}

function cellsOf(route: DeclaredRoute): Cell[] {
  const expectation = EXPECTATIONS[route.key]!;
  const rows: [Target | 'any', string | undefined][] = expectation.any
    ? [['any', expectation.any]]
    : [
        ['own', expectation.own],
        ['foreign', expectation.foreign],
        ['missing', expectation.missing],
      ];
  const cells: Cell[] = [];
  for (const [target, row] of rows) {
    if (row === undefined) throw new Error(`${route.key}: no ${target} row`);
    const statuses = parseRow(row);
    for (const principal of PRINCIPALS) {
      const expected = statuses[principal];
      if (expected !== undefined) cells.push({ route, principal, target, expected });
    }
  }
  return cells;
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

async function runCell(cell: Cell): Promise<Outcome> {
  const { route, principal, target, expected } = cell;
  let world: World = own;
  let invitationId: string | undefined;
  let caller = credentials(principal);
  try {
    if (target === 'foreign') world = foreign;
    else if (target === 'missing') world = { ...own, orgId: missingOrganizationId() };
    else {
      const state = STATE[route.operation];
      const fresh = isSuccess(expected) ? FRESH[route.operation] : undefined;
      if (state) {
        world = isSuccess(expected) ? await freshWorld(principal, route.operation, { state }) : stateWorlds[state];
        const ownKey = world.keys?.[principal as KeyPrincipal];
        if (ownKey) caller = { apiKey: ownKey };
      } else if (fresh === 'organization') {
        world = await freshWorld(principal, route.operation, { enterprise: route.operation === 'setEncryptionKey' });
      } else if (fresh === 'subject') {
        world = { ...own, subjectUserId: await subject(own.orgId, users.OWNER) };
      } else if (fresh === 'invitation') {
        world = { ...own, invitationId: await invite(users.OWNER, own.orgId, randomEmail(), 'VIEWER') };
      } else if (fresh === 'application') {
        world = { ...own, appId: (await createApplication(users.OWNER, own.orgId)).id };
      } else if (fresh === 'nextKey') {
        const app = await createApplication(users.OWNER, own.orgId);
        await rotate(users.OWNER, own.orgId, app.id);
        world = { ...own, nextAppId: app.id };
      } else if (fresh === 'role') {
        const role = { ...SPARE_ROLE, key: `m-${randomUUID().slice(0, 8)}`, permissions: [] };
        await createRole(users.OWNER, own.orgId, role);
        world = { ...own, roleKey: role.key };
      } else if (fresh === 'myInvitation') {
        const host = route.operation === 'acceptInvitation' ? hosts.accept : hosts.decline;
        invitationId = await invite(host.owner, host.id, users[principal as UserPrincipal].email, 'VIEWER');
      }
    }
  } catch (error) {
    return {
      cell,
      answer: { status: 0, headers: new Headers(), body: undefined, text: '' },
      failure: `arrangement failed: ${(error as Error).message}`,
    };
  }
  // 503 with Retry-After (the platform busy: nothing executed, contract §8) and the emulator's hiccups
  // are no answer of the policy: sent again after the delay, a few times at most.
  const path = pathOf(route, world, invitationId);
  const answer = await sendWhileBusy(() => send(caller, route.method, path, bodyOf(route.operation, world)));
  const failure =
    answer.status === expected ? undefined : `expected ${expected}, got ${answer.status} ${answer.text.slice(0, 200)}`;
  return { cell, answer, ...(failure ? { failure } : {}) };
}

const label = (cell: Cell): string => `${cell.route.key} as ${cell.principal} on ${cell.target}`;

/** What a foreign or missing 404 answers, with only `requestId` left out. */
function comparable404(answer: Answer): string {
  const error = { ...(answer.body?.error ?? {}) };
  delete error.requestId;
  return JSON.stringify({ ...answer.body, error });
}

/**
 * ASSURANCE_MATRIX_ROUTES (a regular expression over `METHOD /path`) runs only the cells of the routes
 * it matches: a quick run while a policy changes. The whole matrix is the default and the suite's run.
 */
const onlyRoutes = new RegExp(process.env.ASSURANCE_MATRIX_ROUTES ?? '');

const outcomes: Outcome[] = [];

afterAll(() => {
  const failed = outcomes.filter((outcome) => outcome.failure).length;
  for (const o of outcomes) if (o.failure) process.stdout.write(`FAILED ${label(o.cell)}: ${o.failure}\n`);
  process.stdout.write(
    `assurance matrix: ${outcomes.length} cells ran, ${outcomes.length - failed} as expected, ${failed} failed\n`,
  );
  recordPart('matrix', outcomes.length, failed);
});

describe('the authorization matrix', () => {
  const routes = declaredRoutes();

  it('has an expectation for every route the services declare, and a route for every expectation', () => {
    const declared = routes.map((route) => route.key).sort();
    expect(declared).toEqual(Object.keys(EXPECTATIONS).sort());
    for (const route of routes) {
      expect({ route: route.key, operation: route.operation }).toEqual({
        route: route.key,
        operation: EXPECTATIONS[route.key]!.operation,
      });
    }
  });

  it('answers every cell as the contract says, 404 alike for foreign and missing, leaking nothing foreign', async () => {
    const known = routes.filter((route) => EXPECTATIONS[route.key] && onlyRoutes.test(route.key));
    // Cells that cannot change a shared fixture run first; those of routes that do, after.
    const changing = (route: DeclaredRoute) => Boolean(FRESH[route.operation] || STATE[route.operation]);
    for (const phase of [known.filter((r) => !changing(r)), known.filter(changing)]) {
      const cells = phase.flatMap(cellsOf);
      const started = Date.now();
      await pool(
        POOL,
        cells.map((cell) => async () => {
          outcomes.push(await runCell(cell));
        }),
      );
      process.stdout.write(
        `assurance matrix: ${cells.length} cells in ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
    }

    const failures = outcomes.filter((o) => o.failure).map((o) => `${label(o.cell)}: ${o.failure}`);

    // Every foreign and missing 404 is one and the same answer, but for its requestId.
    const notFound = outcomes.filter(
      (o) => (o.cell.target === 'foreign' || o.cell.target === 'missing') && o.answer.status === 404,
    );
    const bodies = new Map<string, string>();
    for (const o of notFound) bodies.set(comparable404(o.answer), label(o.cell));
    if (bodies.size > 1) failures.push(`foreign/missing 404 bodies differ: ${JSON.stringify([...bodies.entries()])}`);
    for (const o of notFound) {
      if (typeof o.answer.body?.error?.requestId !== 'string') failures.push(`${label(o.cell)}: 404 without requestId`);
    }

    // No answer to anyone but platform staff (who may read every organization) and the foreign
    // organization's own key holds the foreign organization's ids or names.
    const secrets = [foreign.orgId, foreign.name, foreign.appId, foreign.nextAppId, foreign.invitationId];
    for (const o of outcomes) {
      if (['employee', 'platformOwner', 'foreignKey'].includes(o.cell.principal)) continue;
      const leaked = secrets.filter((value) => o.answer.text.includes(value));
      if (leaked.length > 0) failures.push(`${label(o.cell)}: answer holds the foreign organization's ${leaked}`);
    }

    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(0);
  });
});
