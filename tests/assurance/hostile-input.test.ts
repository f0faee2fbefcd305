// Hostile input (OWASP API3/API8): every route with a body gets at least 200 bodies that
// must be refused — wrong types, nulls, strings around the 16 KiB limit, nesting 1,000 deep, prototype
// keys, unknown and server-owned fields, malformed JSON, wrong content types — generated with
// fast-check; and every list gets bad `limit`s and bad cursors. Every answer is a 4xx with the error
// body of contract §8, never a 5xx, and the organization's stored items are the same afterwards.
//
// The stored state is compared per route, not per request: a route's bodies run concurrently (a
// pool), the organization's partitions (and the API keys and the caller's memberships the route
// could touch) are read before and after. Since every body of a route must be refused, an unchanged
// state after the whole run proves that no single request changed anything; a per-request snapshot
// would serialize ~2,500 requests for no stronger conclusion.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '@tenantry/local-platform/testing';
import { operations } from '@tenantry/models';
import fc from 'fast-check';
import {
  type Answer,
  arrange,
  type CustomRole,
  changePlan,
  createApplication,
  createOrganization,
  createRole,
  type DeclaredRoute,
  declaredRoutes,
  invite,
  join,
  pool,
  randomEmail,
  recordPart,
  send,
  sendWhileBusy,
  snapshot,
  type TestUser,
  testUser,
} from './support';

jest.setTimeout(600_000);

const BODIES_PER_ROUTE = 200;
const POOL = 8;
const MAX_BODY = 16 * 1024;
const SECRET = 'hostile-secret';

/** The error codes of contract §8 a 4xx may carry. */
const CLIENT_ERRORS = new Set([
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PLAN_LIMIT_REACHED',
  'ORGANIZATION_SUSPENDED',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
]);

/** Fields the server owns: never accepted in a body (unknown fields are refused, contract §8). */
const SERVER_OWNED = [
  'id',
  'organizationId',
  'ownerId',
  'plan',
  'status',
  'role',
  'userId',
  'email',
  'applicationId',
  'invitationId',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'purgeAfter',
  'expiresAt',
  'lastUsedAt',
  'apiKey',
  'apiKeyNext',
  'keyHash',
  'keys',
  'scopes',
  'prefix',
  'seats',
  'activeMembers',
  'applications',
  'secretCount',
  'version',
  'encryption',
  'keyArn',
  'pk',
  'sk',
  'gsi1pk',
];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=hostile',
  'application/octet-stream',
];

type Kind = 'string' | 'integer' | 'object' | 'array' | { enum: string[] };

/** A route with a body: who sends it, where, and the fields its schema allows. */
interface BodyRoute {
  caller: () => TestUser;
  path: () => string;
  /** A valid body, the base of each mutation. Its own success would change nothing harmful, but none is sent. */
  valid: () => Record<string, unknown>;
  fields: Record<string, Kind>;
  /** Fields whose null is a valid value (so never sent as a hostile one). */
  nullable?: readonly string[];
  /** What the partitions of the stored state are. */
  state: () => Parameters<typeof snapshot>;
}

const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
/** A custom role of the organization (contract §9), nobody's: the target of the role routes. */
const ROLE: CustomRole = { key: 'hostile-auditor', baseRole: 'VIEWER', permissions: ['audit:read', 'members:read'] };

let owner: TestUser;
let creator: TestUser;
let platformOwner: TestUser;
let orgId: string;
let app: { id: string; apiKey: string };
let subjectId: string;

/** The fields a custom role's create and update bodies share (the key only on create). */
const ROLE_FIELDS: Record<string, Kind> = {
  name: 'string',
  description: 'string',
  baseRole: { enum: ['ADMIN', 'MEMBER', 'VIEWER'] },
  permissions: 'array',
};

const orgState = (): Parameters<typeof snapshot> => [orgId, { apiKeys: [app.apiKey], userIds: [owner.userId] }];

const BODY_ROUTES: Record<string, BodyRoute> = {
  createOrganization: {
    caller: () => creator,
    path: () => '/organizations',
    valid: () => ({ name: 'Hostile' }),
    fields: { name: 'string', slug: 'string' },
    // A refused create leaves the creator without an organization.
    state: () => [orgId, { userIds: [creator.userId] }],
  },
  updateOrganization: {
    caller: () => owner,
    path: () => `/organizations/${orgId}`,
    valid: () => ({ name: 'Hostile renamed', metadata: { tier: 'gold' } }),
    fields: { name: 'string', metadata: 'object', maxKeyLifetimeDays: 'integer' },
    nullable: ['maxKeyLifetimeDays'],
    state: orgState,
  },
  changePlan: {
    caller: () => platformOwner,
    path: () => `/organizations/${orgId}/plan`,
    valid: () => ({ plan: 'PRO' }),
    fields: { plan: { enum: ['STARTER', 'PRO', 'ENTERPRISE'] } },
    state: orgState,
  },
  transferOwnership: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/transfer-ownership`,
    valid: () => ({ userId: subjectId }),
    fields: { userId: 'string' },
    state: orgState,
  },
  setEncryptionKey: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/encryption-key`,
    valid: () => ({ mode: 'dedicated' }),
    fields: { mode: { enum: ['platform', 'dedicated', 'byok'] }, keyArn: 'string' },
    state: orgState,
  },
  updateMember: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/members/${subjectId}`,
    valid: () => ({ role: 'MEMBER' }),
    fields: { role: { enum: ROLES } },
    state: orgState,
  },
  createInvitation: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/invitations`,
    valid: () => ({ email: randomEmail(), role: 'VIEWER' }),
    fields: { email: 'string', role: { enum: ROLES } },
    state: orgState,
  },
  createApplication: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/applications`,
    valid: () => ({ name: 'Hostile app', description: 'made by no hostile body' }),
    fields: { name: 'string', description: 'string', scopes: 'array', expiresAt: 'string' },
    state: orgState,
  },
  updateApplication: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/applications/${app.id}`,
    valid: () => ({ name: 'Hostile app renamed', description: 'changed' }),
    fields: { name: 'string', description: 'string', scopes: 'array', expiresAt: 'string' },
    nullable: ['expiresAt'],
    state: orgState,
  },
  promoteApiKey: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/applications/${app.id}/api-keys/promote`,
    valid: () => ({ graceSeconds: 60 }),
    fields: { graceSeconds: 'integer' },
    state: orgState,
  },
  putSecret: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/applications/${app.id}/secrets/${SECRET}`,
    valid: () => ({ value: 'a hostile-free value' }),
    fields: { value: 'string' },
    state: orgState,
  },
  createRole: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/roles`,
    valid: () => ({ key: 'hostile-new', name: 'Hostile', baseRole: 'VIEWER', permissions: ['members:read'] }),
    fields: { key: 'string', ...ROLE_FIELDS },
    state: orgState,
  },
  updateRole: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/roles/${ROLE.key}`,
    valid: () => ({ name: 'Hostile renamed', permissions: ['members:read'] }),
    fields: ROLE_FIELDS,
    state: orgState,
  },
  sendOrganizationNotification: {
    caller: () => owner,
    path: () => `/organizations/${orgId}/notifications`,
    valid: () => ({ title: 'Hostile', body: 'never sent', audience: { roles: ['OWNER'] } }),
    fields: { title: 'string', body: 'string', audience: 'object' },
    state: orgState,
  },
};

// ---------------------------------------------------------------------------------------------
// Hostile bodies: each kind below is refused by construction (a valid body is never produced).

interface Hostile {
  kind: string;
  text: string;
  contentType?: string;
}

const json = (value: unknown): string => JSON.stringify(value);

/** A value of any type but `kind`'s (null included). */
function wrongValue(kind: Kind): fc.Arbitrary<unknown> {
  const others: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.boolean()];
  // An array field gets arrays of what no list of it holds: numbers, nulls, objects, nested arrays.
  others.push(
    kind === 'array'
      ? fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.array(fc.string())), {
          minLength: 1,
          maxLength: 4,
        })
      : fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  );
  if (kind !== 'object') others.push(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })));
  if (kind === 'integer') {
    others.push(
      fc.string({ maxLength: 12 }),
      fc.double({ noInteger: true }),
      fc.integer({ max: -1 }),
      fc.integer({ min: 604_801 }),
    );
  } else {
    others.push(fc.integer(), fc.double({ noDefaultInfinity: true, noNaN: true }));
  }
  if (typeof kind === 'object') {
    others.push(fc.string({ maxLength: 20 }).filter((value) => !kind.enum.includes(value)));
    // The same word in the other case: `PLATFORM` for `platform`, `admin` for `ADMIN` (never a valid value).
    others.push(
      fc.constantFrom(
        ...kind.enum.map((value) => (value.toLowerCase() === value ? value.toUpperCase() : value.toLowerCase())),
      ),
    );
  }
  if (kind === 'object') others.push(fc.string({ maxLength: 20 }), fc.integer());
  return fc.oneof(...others);
}

function nested(depth: number, array: boolean): string {
  return array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** `{ <key>: <raw JSON text>, …valid }` with the key first (prototype keys survive only as text). */
function withRawField(rest: Record<string, unknown>, key: string, raw: string): string {
  const others = json(rest).slice(1);
  return `{${json(key)}:${raw}${others === '}' ? '}' : `,${others}`}`;
}

function hostileBodies(spec: BodyRoute, bodyRequired: boolean): fc.Arbitrary<Hostile> {
  const fieldNames = Object.keys(spec.fields);
  const fieldArb = fc.constantFrom(...fieldNames);
  const nullable = spec.nullable ?? [];
  const validArb = fc.constant(null).map(() => spec.valid());
  const ownedArb = fc.constantFrom(...SERVER_OWNED.filter((name) => !fieldNames.includes(name)));
  const objectFields = fieldNames.filter((name) => spec.fields[name] === 'object');
  const stringFields = fieldNames.filter((name) => spec.fields[name] !== 'integer' && spec.fields[name] !== 'array');

  const kinds: fc.Arbitrary<Hostile>[] = [
    // Not an object at all.
    fc
      .oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 })))
      .map((value) => ({ kind: 'not an object', text: json(value) })),
    // A field of the wrong type, or null.
    fc.tuple(validArb, fieldArb).chain(([valid, field]) =>
      wrongValue(spec.fields[field]!)
        .filter((value) => value !== null || !nullable.includes(field))
        .map((value) => ({ kind: 'wrong type', text: json({ ...valid, [field]: value }) })),
    ),
    fc
      .tuple(validArb, fc.constantFrom(...fieldNames.filter((name) => !nullable.includes(name))))
      .map(([valid, field]) => ({ kind: 'null', text: json({ ...valid, [field]: null }) })),
    // An unknown field.
    fc
      .tuple(
        validArb,
        fc.string({ minLength: 1, maxLength: 24 }).filter((name) => !fieldNames.includes(name)),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([valid, name, value]) => ({ kind: 'unknown field', text: withRawField(valid, name, json(value)) })),
    // A field the server owns.
    fc
      .tuple(validArb, ownedArb, fc.jsonValue({ maxDepth: 1 }))
      .map(([valid, name, value]) => ({ kind: 'server-owned field', text: withRawField(valid, name, json(value)) })),
    // A prototype key, at the top or inside an object field.
    fc
      .tuple(validArb, fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
      .map(([valid, key, value, inside]) => {
        const field = objectFields[0];
        if (inside && field) {
          const inner = valid[field] as Record<string, unknown>;
          return {
            kind: 'prototype key',
            text: withRawField({ ...valid, [field]: undefined }, field, withRawField(inner, key, json(value))),
          };
        }
        return { kind: 'prototype key', text: withRawField(valid, key, json(value)) };
      }),
    // A string around the 16 KiB limit: over it (413) or under it but over every field's maxLength (400).
    fc
      .tuple(validArb, fc.constantFrom(...stringFields, '__hostile_padding'), fc.integer({ min: -256, max: 256 }))
      .map(([valid, field, delta]) => {
        const base = json({ ...valid, [field]: '' }).length;
        return {
          kind: 'huge string',
          text: json({ ...valid, [field]: 'x'.repeat(Math.max(1, MAX_BODY + delta - base)) }),
        };
      }),
    // Nesting 1,000 deep, in a field or as the whole body.
    fc.tuple(validArb, fieldArb, fc.boolean(), fc.boolean()).map(([valid, field, array, whole]) => ({
      kind: 'nesting 1000 deep',
      text: whole ? nested(1000, array) : withRawField({ ...valid, [field]: undefined }, field, nested(1000, array)),
    })),
    // Malformed JSON: a proper prefix of a JSON object is never JSON; or JSON with garbage.
    fc.tuple(validArb, fc.nat()).map(([valid, cut]) => {
      const text = json(valid);
      return {
        kind: 'malformed JSON',
        text: text.slice(0, bodyRequired ? cut % text.length : 1 + (cut % (text.length - 1))),
      };
    }),
    fc
      .tuple(validArb, fc.constantFrom('}', ',', 'x', ']', '{"a":1}', "'", ',}'), fc.boolean())
      .map(([valid, garbage, before]) => ({
        kind: 'malformed JSON',
        text: before ? `${garbage}${json(valid)}` : `${json(valid)}${garbage}`,
      })),
    fc.tuple(validArb, fc.constantFrom('single quotes', 'NaN', 'trailing comma', 'comment')).map(([valid, how]) => {
      const text = json(valid);
      const broken =
        how === 'single quotes'
          ? text.replaceAll('"', "'")
          : how === 'NaN'
            ? `{"hostile":NaN,${text.slice(1)}`
            : how === 'trailing comma'
              ? `${text.slice(0, -1)},}`
              : `/* hostile */${text}`;
      return { kind: 'malformed JSON', text: broken };
    }),
    // A valid body under a content type other than JSON (415).
    fc
      .tuple(validArb, fc.constantFrom(...WRONG_CONTENT_TYPES))
      .map(([valid, contentType]) => ({ kind: 'wrong content type', text: json(valid), contentType })),
  ];
  return fc.oneof(...kinds);
}

/** What every route with a body certainly gets, besides the random ones. */
function fixedBodies(spec: BodyRoute): Hostile[] {
  const valid = spec.valid();
  return [
    ...PROTOTYPE_KEYS.map((key) => ({ kind: 'prototype key', text: withRawField(valid, key, '{"polluted":true}') })),
    ...SERVER_OWNED.filter((name) => !(name in spec.fields)).map((name) => ({
      kind: 'server-owned field',
      text: withRawField(valid, name, json('hostile')),
    })),
    ...WRONG_CONTENT_TYPES.map((contentType) => ({ kind: 'wrong content type', text: json(valid), contentType })),
    ...['false', '0', 'true', '-1', '""', '[]', '"{}"'].map((text) => ({ kind: 'not an object', text })),
    // Bodies of exactly 16 KiB − 1, 16 KiB (over every field's maxLength: 400) and 16 KiB + 1 (413).
    ...[-1, 0, 1].map((delta) => {
      const base = json({ ...valid, __hostile: '' }).length;
      return { kind: 'huge string', text: json({ ...valid, __hostile: 'x'.repeat(MAX_BODY + delta - base) }) };
    }),
    { kind: 'nesting 1000 deep', text: nested(1000, false) },
  ];
}

// ---------------------------------------------------------------------------------------------

interface Refusal {
  route: string;
  kind: string;
  answer: Answer;
  failure?: string;
}

/** A 4xx with the error body of contract §8; a 503 (busy, Retry-After) or an emulator hiccup is sent again. */
async function sendHostile(
  caller: TestUser,
  method: string,
  path: string,
  hostile: Hostile,
  route: string,
): Promise<Refusal> {
  const headers: Record<string, string> = hostile.contentType ? { 'content-type': hostile.contentType } : {};
  const answer = await sendWhileBusy(() => send(caller, method, path, hostile.text, headers));
  const error = answer.body?.error;
  const wellFormed =
    answer.status >= 400 &&
    answer.status < 500 &&
    answer.status !== 429 &&
    typeof error === 'object' &&
    CLIENT_ERRORS.has(error.code) &&
    typeof error.message === 'string' &&
    typeof error.requestId === 'string';
  const failure = wellFormed
    ? undefined
    : `${hostile.kind} ${hostile.contentType ?? ''} ${hostile.text.slice(0, 120)} → ${answer.status} ${answer.text.slice(0, 200)}`;
  return { route, kind: hostile.kind, answer, ...(failure ? { failure } : {}) };
}

const refusals: Refusal[] = [];
const stateFailures: string[] = [];
let listChecks = 0;
const listFailures: string[] = [];

beforeAll(async () => {
  [owner, creator, platformOwner] = await Promise.all([testUser(), testUser(), testUser({ group: 'OWNER' })]);
  const created = await createOrganization(owner);
  orgId = created.id;
  // ENTERPRISE: setEncryptionKey is open to it, so a body that got through would act.
  await changePlan(platformOwner, orgId, 'ENTERPRISE');
  const subject = await testUser();
  [app] = await Promise.all([createApplication(owner, orgId), join(owner, orgId, subject, 'VIEWER')]);
  subjectId = subject.userId;
  await arrange(owner, 'PUT', `/organizations/${orgId}/applications/${app!.id}/secrets/${SECRET}`, { value: 'v' }, 200);
  await createRole(owner, orgId, ROLE);
}, 120_000);

afterAll(() => {
  const failed = refusals.filter((r) => r.failure).length + stateFailures.length + listFailures.length;
  recordPart('hostile', refusals.length + listChecks, failed);
});

describe('hostile bodies on every route with a body', () => {
  const routes = declaredRoutes().filter(
    (route) => (operations as Record<string, { hasBody: boolean }>)[route.operation]?.hasBody,
  );

  it('has hostile-input coverage for every route with a body that the services declare', () => {
    expect(routes.map((route) => route.operation).sort()).toEqual(Object.keys(BODY_ROUTES).sort());
  });

  it(`refuses at least ${BODIES_PER_ROUTE} hostile bodies per route with a 4xx of contract §8, changing nothing`, async () => {
    const seed = Date.now() % 2 ** 31;
    process.stdout.write(`assurance hostile input: fast-check seed ${seed}\n`);
    for (const route of routes as DeclaredRoute[]) {
      const spec = BODY_ROUTES[route.operation]!;
      const bodyRequired = (operations as Record<string, { bodyRequired: boolean }>)[route.operation]!.bodyRequired;
      const fixed = fixedBodies(spec);
      const bodies = [
        ...fixed,
        ...fc.sample(hostileBodies(spec, bodyRequired), { numRuns: BODIES_PER_ROUTE - fixed.length, seed }),
      ];
      const state = spec.state();
      const before = await snapshot(...state);
      const answers = await pool(
        POOL,
        bodies.map((hostile) => () => sendHostile(spec.caller(), route.method, spec.path(), hostile, route.key)),
      );
      refusals.push(...answers);
      const after = await snapshot(...state);
      if (after !== before) stateFailures.push(`${route.key}: the stored state changed\n${before}\n---\n${after}`);
      const tally: Record<string, number> = {};
      for (const answer of answers) tally[answer.answer.status] = (tally[answer.answer.status] ?? 0) + 1;
      process.stdout.write(`assurance hostile input: ${route.key} ${answers.length} bodies ${json(tally)}\n`);
    }
    const failures = refusals.filter((r) => r.failure).map((r) => `${r.route}: ${r.failure}`);
    expect(failures.slice(0, 30)).toEqual([]);
    expect(stateFailures).toEqual([]);
    for (const route of routes) {
      expect({
        route: route.key,
        count: refusals.filter((r) => r.route === route.key).length >= BODIES_PER_ROUTE,
      }).toEqual({ route: route.key, count: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Custom roles (contract §9) and the custom role keys of the memberships bodies: each named body is
// refused 400 VALIDATION_FAILED with its field errors (`details`), and nothing changed.

const OWNER_ONLY = [
  'organization:delete',
  'organization:restore',
  'ownership:transfer',
  'organization:encryption_key',
  'roles:manage',
];
/** Permissions no member holds, and the key-only one: never in a custom role either. */
const NEVER_GRANTABLE = ['plan:change', 'organization:suspend', 'organization:reactivate', 'applications:self'];
const LONE_SURROGATES = ['\uD800', '\uDFFF', 'Audit \uDC00or', '\uD83D'];
const LONG = 'x'.repeat(10_000);

/** Named bodies of the role create and update routes: the permission list, then the rest. */
function roleBodies(valid: Record<string, unknown>, update: boolean): [string, unknown][] {
  const permissions = (list: unknown): unknown => ({ ...valid, permissions: list });
  const bodies: [string, unknown][] = [
    ['an unknown field', { ...valid, colour: 'red' }],
    ['an unknown permission', permissions(['members:read', 'members:destroy'])],
    ['a permission in the wrong case', permissions(['MEMBERS:READ'])],
    ...OWNER_ONLY.map((p): [string, unknown] => [`the OWNER-only ${p}`, permissions(['members:read', p])]),
    ...NEVER_GRANTABLE.map((p): [string, unknown] => [`the never-grantable ${p}`, permissions([p])]),
    ['1000 permissions', permissions(Array.from({ length: 1000 }, () => 'members:read'))],
    ['1000 distinct unknown permissions', permissions(Array.from({ length: 1000 }, (_, i) => `p:${i}`))],
    ['a repeated permission', permissions(['members:read', 'members:read'])],
    ['permissions as a string', permissions('members:read')],
    ['permissions of objects', permissions([{ name: 'members:read' }])],
    ['baseRole OWNER', { ...valid, baseRole: 'OWNER' }],
    ['baseRole of a custom role', { ...valid, baseRole: ROLE.key }],
    ['a 10k-character name', { ...valid, name: LONG }],
    ['a 10k-character description', { ...valid, description: LONG }],
    ...LONE_SURROGATES.map((text): [string, unknown] => [
      `a lone surrogate in the name (${json(text)})`,
      { ...valid, name: text },
    ]),
    ['a lone surrogate in the description', { ...valid, description: 'about \uD800 this' }],
    ['a blank name', { ...valid, name: '   ' }],
    ['a null field', { ...valid, name: null }],
  ];
  if (update) {
    bodies.push(['no field', {}], ['a key (it never changes)', { ...valid, key: 'renamed' }]);
  } else {
    const keyed = (key: unknown): unknown => ({ ...valid, key });
    bodies.push(
      ...['owner', 'admin', 'Member', 'VIEWER', 'oWnEr'].map((key): [string, unknown] => [
        `the built-in name ${key} as key`,
        keyed(key),
      ]),
      ...['1role', 'a', 'a_b', 'A-role', 'role.x', '-ab', 'ab c', '', 'rôle', 'a'.repeat(41), LONG, '\uD800ab'].map(
        (key): [string, unknown] => [`the key ${json(key.slice(0, 20))}`, keyed(key)],
      ),
      ['no key', { ...valid, key: undefined }],
      ['no permissions', { ...valid, permissions: undefined }],
    );
  }
  return bodies;
}

/** Named bodies whose role is a custom role key the organization does not have, or no role key at all. */
function roleKeyBodies(valid: Record<string, unknown>): [string, unknown][] {
  const role = (value: unknown): Record<string, unknown> => ({ ...valid, role: value });
  return [
    ['a custom role key the organization does not have', role('no-such-role')],
    ['a custom role key in the wrong case', role(ROLE.key.toUpperCase())],
    ['a role key of a bad pattern', role('Hostile_Auditor')],
    ['a 10k-character role', role(LONG)],
    ['a lone surrogate as role', role('\uD800')],
    ['a role list', role([ROLE.key])],
    ['a role object', role({ key: ROLE.key })],
    ['an unknown field beside a custom role', { ...role(ROLE.key), permissions: ['audit:read'] }],
    ['a prototype key beside a custom role', JSON.parse(`{"__proto__":{"role":"OWNER"},"role":${json(ROLE.key)}}`)],
  ];
}

describe('custom role bodies and custom role keys', () => {
  it('answers 400 VALIDATION_FAILED with field errors to each, and changes nothing', async () => {
    const member = await testUser();
    await join(owner, orgId, member, 'VIEWER');
    const roleValid = { key: 'hostile-fresh', name: 'Fresh', baseRole: 'VIEWER', permissions: ['members:read'] };
    const targets: { route: string; path: string; method: string; bodies: [string, unknown][] }[] = [
      {
        route: 'POST roles',
        method: 'POST',
        path: `/organizations/${orgId}/roles`,
        bodies: roleBodies(roleValid, false),
      },
      {
        route: 'PATCH roles/{roleKey}',
        method: 'PATCH',
        path: `/organizations/${orgId}/roles/${ROLE.key}`,
        bodies: roleBodies({ name: 'Renamed', permissions: ['members:read'] }, true),
      },
      {
        route: 'POST invitations',
        method: 'POST',
        path: `/organizations/${orgId}/invitations`,
        bodies: roleKeyBodies({ email: randomEmail(), role: ROLE.key }),
      },
      {
        route: 'PATCH members/{userId}',
        method: 'PATCH',
        path: `/organizations/${orgId}/members/${member.userId}`,
        bodies: roleKeyBodies({ role: ROLE.key }),
      },
    ];
    const state: Parameters<typeof snapshot> = [
      orgId,
      { apiKeys: [app.apiKey], userIds: [owner.userId, member.userId] },
    ];
    const failures: string[] = [];
    const before = await snapshot(...state);
    for (const target of targets) {
      const answers = await pool(
        POOL,
        target.bodies.map(([name, body]) => async () => {
          const answer = await sendWhileBusy(() => send(owner, target.method, target.path, json(body)));
          return { name, answer };
        }),
      );
      for (const { name, answer } of answers) {
        const error = answer.body?.error;
        const refused =
          answer.status === 400 &&
          error?.code === 'VALIDATION_FAILED' &&
          Array.isArray(error.details) &&
          error.details.length > 0 &&
          typeof error.requestId === 'string';
        const failure = refused ? undefined : `${name}: ${answer.status} ${answer.text.slice(0, 200)}`;
        if (failure) failures.push(`${target.route}: ${failure}`);
        refusals.push({
          route: `${target.method} ${target.path}`,
          kind: name,
          answer,
          ...(failure ? { failure } : {}),
        });
      }
    }
    const after = await snapshot(...state);
    expect(failures).toEqual([]);
    expect(after).toBe(before);
    // The control: each route takes its valid body from the same caller, so every refusal above was the body's.
    const valids: [string, string, unknown, number][] = [
      ['POST', targets[0]!.path, roleValid, 201],
      ['PATCH', targets[1]!.path, { name: 'Renamed', permissions: ['members:read'] }, 200],
      ['POST', targets[2]!.path, { email: randomEmail(), role: ROLE.key }, 201],
      ['PATCH', targets[3]!.path, { role: ROLE.key }, 200],
    ];
    for (const [method, path, body, status] of valids) await arrange(owner, method, path, body, status);
  });
});

// ---------------------------------------------------------------------------------------------
// Lists: bad limits and bad cursors

const BAD_LIMITS = ['0', '-1', '101', '1000000000', 'ten', 'Infinity', '-Infinity', 'NaN', '1.5', '2e400'];

interface ListWorld {
  route: DeclaredRoute;
  caller: TestUser;
  path: string;
  /** A real nextCursor of this list for this caller (limit=1), and query that goes with it. */
  cursor: string;
  query?: string;
  /** A real cursor of the same list for another caller or organization, or under another filter. */
  otherCursor?: string;
  /** The query `otherCursor` is sent with, when not `query`. */
  otherQuery?: string;
}

describe('bad limits and cursors on every list', () => {
  const lists = declaredRoutes().filter(
    (route) => (operations as Record<string, { paginated: boolean }>)[route.operation]?.paginated,
  );

  /** A real nextCursor (limit 1) of `path` for `caller`: the list must hold two items at least. */
  async function cursorOf(caller: TestUser, path: string, query = ''): Promise<string> {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await eventually(() => send(caller, 'GET', `${path}${separator}limit=1${query}`), {
      until: (page) => page.status === 200 && Boolean(page.body.nextCursor),
      timeoutMs: 20_000,
      description: `a second page of ${path} for the cursor fixture`,
    });
    return answer.body.nextCursor as string;
  }

  it('answers 400 VALIDATION_FAILED to every bad limit and every bad cursor, on every list', async () => {
    // Two organizations of `owner` (`orgId` and `b`), each with two of everything a list shows (the
    // audit log fills from their events); `other`, `invitee` and `otherInvitee`: two of what theirs show.
    const [other, invitee, otherInvitee, member, b] = await Promise.all([
      testUser(),
      testUser(),
      testUser(),
      testUser(),
      createOrganization(owner),
    ]);
    const appB = await createApplication(owner, b.id);
    const [otherOrg] = await Promise.all([
      createOrganization(other),
      createOrganization(other),
      createApplication(owner, orgId).then((second) =>
        arrange(owner, 'PUT', `/organizations/${orgId}/applications/${second.id}/secrets/other`, { value: 'v' }, 200),
      ),
      arrange(owner, 'PUT', `/organizations/${b.id}/applications/${appB.id}/secrets/one`, { value: 'v' }, 200),
      arrange(owner, 'PUT', `/organizations/${b.id}/applications/${appB.id}/secrets/two`, { value: 'v' }, 200),
      createApplication(owner, b.id),
      join(owner, b.id, member, 'VIEWER'),
      ...[orgId, b.id].flatMap((to) => [
        invite(owner, to, invitee.email, 'VIEWER'),
        invite(owner, to, otherInvitee.email, 'VIEWER'),
      ]),
    ]);
    const message = { title: 'Two', body: 'pages', audience: { roles: ['OWNER'] } };
    for (const [sender, to] of [
      [owner, orgId],
      [owner, b.id],
      [other, otherOrg.id],
      [other, otherOrg.id],
    ] as const) {
      await arrange(sender, 'POST', `/organizations/${to}/notifications`, message, 201);
    }
    const appPaths = (org: string, appId: string) => `/organizations/${org}/applications/${appId}/secrets`;

    const worlds: ListWorld[] = [];
    for (const route of lists) {
      const path = (org: string, appId: string) => route.path.replace('{orgId}', org).replace('{appId}', appId);
      switch (route.operation) {
        case 'listOrganizations':
          worlds.push({
            route,
            caller: platformOwner,
            path: route.path,
            cursor: await cursorOf(platformOwner, route.path, '&status=ACTIVE'),
            query: '&status=ACTIVE',
            // Another list of the same route: the ?status=ACTIVE cursor under ?status=SUSPENDED.
            otherCursor: await cursorOf(platformOwner, route.path, '&status=ACTIVE'),
            otherQuery: '&status=SUSPENDED',
          });
          break;
        case 'listMyOrganizations':
        case 'listMyNotifications':
          worlds.push({
            route,
            caller: owner,
            path: route.path,
            cursor: await cursorOf(owner, route.path),
            otherCursor: await cursorOf(other, route.path),
          });
          break;
        case 'listMyInvitations':
          worlds.push({
            route,
            caller: invitee,
            path: route.path,
            cursor: await cursorOf(invitee, route.path),
            otherCursor: await cursorOf(otherInvitee, route.path),
          });
          break;
        default: {
          const here = route.operation === 'listSecrets' ? appPaths(orgId, app.id) : path(orgId, app.id);
          const there = route.operation === 'listSecrets' ? appPaths(b.id, appB.id) : path(b.id, appB.id);
          worlds.push({
            route,
            caller: owner,
            path: here,
            cursor: await cursorOf(owner, here),
            // The same list of another organization (its own members may read both).
            otherCursor: await cursorOf(owner, there),
          });
        }
      }
    }
    expect(worlds.map((w) => w.route.operation).sort()).toEqual(lists.map((r) => r.operation).sort());

    const random = fc.sample(
      fc.oneof(
        fc.base64String({ minLength: 4, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc
          .dictionary(
            fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'x'),
            fc.string({ maxLength: 30 }),
          )
          .map((key) => Buffer.from(JSON.stringify(key)).toString('base64url')),
      ),
      { numRuns: 12 },
    );
    const checks: { world: ListWorld; what: string; query: string }[] = [];
    for (const world of worlds) {
      const q = world.query ?? '';
      for (const limit of BAD_LIMITS)
        checks.push({ world, what: `limit=${limit}`, query: `limit=${encodeURIComponent(limit)}${q}` });
      const cursors: [string, string][] = [
        ...random.map((cursor): [string, string] => ['random cursor', cursor]),
        ['truncated cursor', world.cursor.slice(0, -3)],
        ['half a cursor', world.cursor.slice(0, Math.floor(world.cursor.length / 2))],
        [
          'cursor with a changed character',
          `${world.cursor.slice(0, 5)}${world.cursor[5] === 'A' ? 'B' : 'A'}${world.cursor.slice(6)}`,
        ],
        ['a cursor over 4 KiB', 'A'.repeat(5000)],
        ...worlds
          .filter((w) => w !== world && w.route.operation !== world.route.operation)
          .map((w): [string, string] => [`cursor of ${w.route.operation}`, w.cursor]),
      ];
      for (const [what, cursor] of cursors)
        checks.push({ world, what, query: `cursor=${encodeURIComponent(cursor)}${q}` });
      if (world.otherCursor) {
        checks.push({
          world,
          what: 'cursor of another user, organization or filter',
          query: `cursor=${encodeURIComponent(world.otherCursor)}${world.otherQuery ?? q}`,
        });
      }
    }
    // The control: each real cursor is accepted where it came from.
    for (const world of worlds) {
      const answer = await send(
        world.caller,
        'GET',
        `${world.path}?cursor=${encodeURIComponent(world.cursor)}${world.query ?? ''}`,
      );
      expect({ list: world.route.key, status: answer.status }).toEqual({ list: world.route.key, status: 200 });
    }

    const answers = await pool(
      POOL,
      checks.map((check) => async () => {
        const answer = await sendWhileBusy(() => send(check.world.caller, 'GET', `${check.world.path}?${check.query}`));
        return { check, answer };
      }),
    );
    listChecks = answers.length;
    for (const { check, answer } of answers) {
      if (answer.status !== 400 || answer.body?.error?.code !== 'VALIDATION_FAILED') {
        listFailures.push(`${check.world.route.key} ${check.what}: ${answer.status} ${answer.text.slice(0, 160)}`);
      }
    }
    process.stdout.write(
      `assurance hostile input: ${answers.length} bad limits and cursors on ${worlds.length} lists\n`,
    );
    expect(listFailures).toEqual([]);
  });
});
