import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConflictError } from '@tenantry/errors';
import { dynamoEventOutbox } from '@tenantry/events';
import { restoreEnv, stubEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { configureSecurity, logger, publicRoute, resetSecurityConfig, route, SECURITY_HEADERS } from '../../src/index';
import { call, httpEvent, lambdaContext, memoryCounterStore } from '../../src/testing';
import {
  FakeStore,
  fakeApiKeyResolver,
  fakeModels,
  fakeToken,
  fakeVerifier,
  membership,
  organization,
  RecordingOutbox,
  userResolverFor,
} from '../support/fakes';

const models = fakeModels({
  getOrganization: { method: 'GET', path: '/organizations/{orgId}', auth: 'user' },
  /** The same read offered to API keys too (a key with scope organization:read may use it). */
  getOrganizationForKeys: { method: 'GET', path: '/organizations/{orgId}', auth: 'user-or-api-key' },
  updateOrganization: {
    method: 'PATCH',
    path: '/organizations/{orgId}',
    body: (input) => {
      const body = input as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object') return [{ field: 'body', message: 'is required' }];
      const details = [];
      if (typeof body.name !== 'string') details.push({ field: 'body.name', message: 'must be a string' });
      for (const key of Object.keys(body))
        if (key !== 'name') details.push({ field: `body.${key}`, message: 'is not allowed' });
      return details;
    },
  },
  sendNotification: {
    method: 'POST',
    path: '/organizations/{orgId}/notifications',
    successStatus: 201,
    body: () => [],
  },
  listOrganizations: { method: 'GET', path: '/organizations' },
  getApplicationSelf: { method: 'GET', path: '/applications/me' },
  health: { method: 'GET', path: '/health' },
});

logger.setLogLevel('SILENT');

let store: FakeStore;
let outbox: RecordingOutbox;

beforeEach(() => {
  stubStageEnv();
  resetSecurityConfig();
  configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
  store = new FakeStore()
    .add(organization('acme'), membership('acme', 'alice', 'ADMIN'), membership('acme', 'vic', 'VIEWER'))
    .add(organization('globex'), membership('globex', 'bob', 'OWNER'))
    .add(organization('paused', { status: 'SUSPENDED' }), membership('paused', 'alice', 'ADMIN'))
    .add(organization('gone', { status: 'DELETED' }), membership('gone', 'alice', 'OWNER'));
  outbox = new RecordingOutbox();
  configureSecurity({
    models,
    organizationStore: store,
    eventOutbox: outbox,
    resolvers: {
      user: userResolverFor(
        fakeVerifier({ alice: {}, vic: {}, bob: {}, staff: { groups: ['EMPLOYEE'] }, cust: { groups: ['CUSTOMER'] } }),
      ),
      application: fakeApiKeyResolver({
        'key-acme': { kind: 'application', id: 'app1', organizationId: 'acme', scopes: ['notifications:send'] },
        'key-self': { kind: 'application', id: 'app2', organizationId: 'acme', scopes: ['applications:self'] },
        'key-read': { kind: 'application', id: 'app3', organizationId: 'acme', scopes: ['organization:read'] },
      }),
    },
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  restoreEnv();
});

const getOrganization = route({ operation: 'getOrganization', action: 'organization:read' }, async ({ context }) => ({
  body: { id: context.organizationId, name: context.organization.name, access: context.access },
}));
const getOrganizationForKeys = route(
  { operation: 'getOrganizationForKeys', action: 'organization:read' },
  async ({ context }) => ({ body: { id: context.organizationId, access: context.access } }),
);
const updateOrganization = route(
  { operation: 'updateOrganization', action: 'organization:update' },
  async ({ body }: { body: unknown }) => ({ body }),
);
const sendNotification = route(
  { operation: 'sendNotification', action: 'notifications:send', idempotent: false },
  async ({ context }) => ({ body: { by: `${context.principal.kind}:${context.principal.id}` } }),
);
const listOrganizations = route({ operation: 'listOrganizations', action: 'organizations:list' }, async () => ({
  body: { items: [] },
}));
const applicationSelf = route(
  { operation: 'getApplicationSelf', action: 'applications:self' },
  async ({ context }) => ({
    body: { id: context.principal.id, organizationId: context.organizationId },
  }),
);
const exploding = route({ operation: 'getOrganization', action: 'organization:read' }, async () => {
  const error = new Error('ConditionalCheckFailedException: arn:aws:dynamodb:us-east-1:123:table/secret');
  throw error;
});
const health = publicRoute({ operation: 'health' }, async () => ({ body: { status: 'ok' } }));

const asAlice = { token: fakeToken('alice') };
const orgPath = (orgId: string) => ({ path: `/organizations/${orgId}`, pathParameters: { orgId } });

describe('the route wrapper', () => {
  it('attaches its wiring metadata to the handler', () => {
    expect(getOrganization.route).toEqual({
      operation: 'getOrganization',
      action: 'organization:read',
      public: false,
      idempotent: false,
    });
    expect(health.route).toMatchObject({ operation: 'health', action: undefined, public: true });
  });

  it('refuses an action that is not in the permission table at module load', () => {
    expect(() => route({ operation: 'x', action: 'root:everything' as never }, async () => ({}))).toThrow(
      /unknown action/,
    );
  });

  it('answers a member with the success status, the JSON body and every security header', async () => {
    const response = await call(getOrganization, { ...asAlice, ...orgPath('acme') });
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ id: 'acme', name: 'Org acme', access: 'member' });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers[name]).toBe(value);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('uses the success status of the operation table when the function names none', async () => {
    const response = await call(sendNotification, {
      ...asAlice,
      method: 'POST',
      ...orgPath('acme'),
      body: { title: 't' },
    });
    expect(response.statusCode).toBe(201);
  });

  it('reads the organization and membership once per request and never for user-level routes', async () => {
    await call(getOrganization, { ...asAlice, ...orgPath('acme') });
    expect(store.loads).toBe(1);
    await call(listOrganizations, { token: fakeToken('staff') });
    expect(store.loads).toBe(1);
  });
});

describe('the error stack', () => {
  it('answers 415 for a body that is not JSON', async () => {
    const response = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(response.statusCode).toBe(415);
    expect(response.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('answers 415 for a body without a content type', async () => {
    const response = await call(updateOrganization, { ...asAlice, method: 'PATCH', ...orgPath('acme'), body: '{}' });
    expect(response.statusCode).toBe(415);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 16 KiB, and accepts exactly 16 KiB', async () => {
    const big = { name: 'x'.repeat(16 * 1024) };
    const response = await call(updateOrganization, { ...asAlice, method: 'PATCH', ...orgPath('acme'), body: big });
    expect(response.statusCode).toBe(413);
    expect(response.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });

    const exact = JSON.stringify({ name: 'x'.repeat(16 * 1024 - 11) });
    expect(Buffer.byteLength(exact)).toBe(16 * 1024);
    const ok = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: exact,
    });
    expect(ok.statusCode).toBe(200);
  });

  it('answers 400 VALIDATION_FAILED with the field details, unknown fields included', async () => {
    const response = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      body: { name: 3, organizationId: 'globex' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        requestId: expect.any(String),
        details: [
          { field: 'body.name', message: 'must be a string' },
          { field: 'body.organizationId', message: 'is not allowed' },
        ],
      },
    });
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'body' }] } });
  });

  it('answers 400, not 500, for a falsy JSON body the runtime handed over already parsed (serverless-offline)', async () => {
    for (const parsed of [false, 0]) {
      const event = httpEvent({
        ...asAlice,
        method: 'PATCH',
        ...orgPath('acme'),
        headers: { 'content-type': 'application/json' },
      });
      const response = await updateOrganization({ ...event, body: parsed as unknown as string }, lambdaContext());
      expect({ parsed, status: response.statusCode }).toEqual({ parsed, status: 400 });
      expect(JSON.parse(response.body as string)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('parses JSON bodies with @middy/http-json-body-parser: a JSON suffix type and a base64 body are JSON too', async () => {
    const suffixed = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"name":"Acme"}',
    });
    expect(suffixed).toMatchObject({ statusCode: 200, body: { name: 'Acme' } });

    const event = httpEvent({
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'Content-Type': 'application/json' },
    });
    const encoded = await updateOrganization(
      { ...event, body: Buffer.from('{"name":"Base"}').toString('base64'), isBase64Encoded: true },
      lambdaContext(),
    );
    expect(encoded.statusCode).toBe(200);
    expect(JSON.parse(encoded.body as string)).toEqual({ name: 'Base' });
  });

  it('answers 400 VALIDATION_FAILED for a __proto__ key, which the parser refuses', async () => {
    const response = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x","__proto__":{"admin":true}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [{ field: 'body', message: 'must not contain the key "__proto__"' }],
      },
    });
  });

  it('leaves an empty body undefined, whatever its content type', async () => {
    let seen: unknown = 'not called';
    const echo = publicRoute({ operation: 'health', validate: false }, async ({ body }) => {
      seen = body;
      return { body: { ok: true } };
    });
    const contentTypes: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json' },
    ];
    for (const headers of contentTypes) {
      seen = 'not called';
      const response = await call(echo, { method: 'POST', headers, body: '' });
      expect({ headers, status: response.statusCode, seen }).toEqual({ headers, status: 200, seen: undefined });
    }
  });

  it('maps an unknown error to a generic 500 with the request id, no stack and no AWS text, and logs the cause', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const response = await call(exploding, { ...asAlice, ...orgPath('acme'), requestId: 'req-123' });
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({
      error: { code: 'INTERNAL', message: 'An internal error occurred', requestId: 'req-123' },
    });
    expect(JSON.stringify(response.body)).not.toMatch(/arn:|Conditional|at |stack/);
    expect(response.headers['x-request-id']).toBe('req-123');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(logged).toHaveBeenCalledWith('request failed', expect.objectContaining({ requestId: 'req-123' }));
  });

  it('answers a refused body with the RateLimit headers, counted against the caller', async () => {
    for (const [headers, body] of [
      [{ 'content-type': 'text/plain' }, 'name=x'],
      [{ 'content-type': 'application/json' }, '{"name":'],
      [{ 'content-type': 'application/json' }, '   '],
      [{ 'content-type': 'application/json' }, '{"__proto__":{}}'],
      [{ 'content-type': 'application/json' }, 'x'.repeat(17 * 1024)],
    ] as const) {
      const response = await call(updateOrganization, {
        ...asAlice,
        method: 'PATCH',
        ...orgPath('acme'),
        headers,
        body,
      });
      expect({ body: body.slice(0, 20), status: response.statusCode >= 400, headers: response.headers }).toEqual({
        body: body.slice(0, 20),
        status: true,
        headers: expect.objectContaining({
          'ratelimit-limit': expect.stringMatching(/^\d+$/),
          'ratelimit-remaining': expect.stringMatching(/^\d+$/),
          'ratelimit-reset': expect.stringMatching(/^\d+$/),
        }),
      });
    }
  });

  it('refuses a string or a key that is not well-formed Unicode anywhere in the body, naming each', async () => {
    const response = await call(sendNotification, {
      ...asAlice,
      method: 'POST',
      ...orgPath('acme'),
      body: { title: 'ok \ud83d\ude00', list: ['fine', 'x\ud800'], nested: { 'a/\udc00': 'y', deep: { z: '\udfff' } } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [
          { field: '/nested/a~1\ufffd', message: 'must have a name that is well-formed Unicode' },
          { field: '/list/1', message: 'must be well-formed Unicode' },
          { field: '/nested/deep/z', message: 'must be well-formed Unicode' },
        ],
      },
    });
  });

  it('checks a body nested thousands of levels deep without crashing', async () => {
    const body = `${'['.repeat(8000)}"\\ud800"${']'.repeat(8000)}`;
    const response = await call(sendNotification, {
      ...asAlice,
      method: 'POST',
      ...orgPath('acme'),
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect({ status: response.statusCode, code: (response.body as { error: { code: string } }).error.code }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
  });

  it('answers 500 and logs one line whatever is thrown: getters that throw, a cycle, a BigInt, a hostile proxy', async () => {
    const throwing = {
      get() {
        throw new Error('no');
      },
    };
    const cyclic = Object.defineProperty(new Error('boom'), 'cause', throwing) as Error & Record<string, unknown>;
    Object.assign(cyclic, { self: cyclic, amount: 10n });
    const shaped = Object.defineProperties(new Error('shaped'), {
      code: throwing,
      statusCode: throwing,
      name: throwing,
    });
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap });
    logger.setLogLevel('ERROR');
    const lines: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    try {
      for (const thrown of [cyclic, shaped, proxy, 5n]) {
        const throws = route({ operation: 'getOrganization', action: 'organization:read' }, async () => {
          throw thrown;
        });
        const response = await call(throws, { ...asAlice, ...orgPath('acme') });
        expect({ thrown: String(typeof thrown), status: response.statusCode, body: response.body }).toEqual({
          thrown: String(typeof thrown),
          status: 500,
          body: { error: { code: 'INTERNAL', message: 'An internal error occurred', requestId: expect.any(String) } },
        });
      }
    } finally {
      logger.setLogLevel('SILENT');
    }
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(Array(4).fill('request failed'));
  });

  it('maps a domain error thrown by the business function once, with its code', async () => {
    const conflicting = route({ operation: 'getOrganization', action: 'organization:read' }, async () => {
      throw new ConflictError('Slug taken');
    });
    const response = await call(conflicting, { ...asAlice, ...orgPath('acme') });
    expect(response.statusCode).toBe(409);
    expect(response.body).toEqual({
      error: { code: 'CONFLICT', message: 'Slug taken', requestId: expect.any(String) },
    });
  });

  it('fails closed with 500 for an operation the models do not know', async () => {
    resetSecurityConfig();
    configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
    configureSecurity({ organizationStore: store, resolvers: { user: userResolverFor(fakeVerifier({ alice: {} })) } });
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const unknown = route({ operation: 'noSuchOperation', action: 'organization:read' }, async () => ({ body: {} }));
    const response = await call(unknown, { ...asAlice, ...orgPath('acme') });
    expect(response.statusCode).toBe(500);
  });

  it('validates with the generated models by default: unknown fields answer 400', async () => {
    resetSecurityConfig();
    configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
    configureSecurity({ organizationStore: store, resolvers: { user: userResolverFor(fakeVerifier({ alice: {} })) } });
    const update = route({ operation: 'updateOrganization', action: 'organization:update' }, async () => ({
      body: {},
    }));
    const response = await call(update, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('acme'),
      body: { name: 'New name', organizationId: 'globex' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field: expect.stringContaining('organizationId') })],
      },
    });
  });

  it('validates a public route known to the models with the generated validators', async () => {
    resetSecurityConfig();
    configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
    const serviceHealth = publicRoute({ operation: 'getServiceHealth' }, async ({ params }) => ({
      body: { service: params.service, status: 'ok' },
    }));
    const ok = await call(serviceHealth, { pathParameters: { service: 'organizations' } });
    expect(ok.statusCode).toBe(200);
    const bad = await call(serviceHealth, { pathParameters: { service: 'nope' } });
    expect(bad.statusCode).toBe(400);
  });

  it('serves a public route with the same headers and no authentication', async () => {
    const response = await call(health, {});
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('authentication and the layers through the stack', () => {
  it('answers 401 without a credential and logs the deny without any token', async () => {
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const response = await call(getOrganization, orgPath('acme'));
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(warned).toHaveBeenCalledWith('access denied', expect.objectContaining({ reason: 'no credential' }));
  });

  it('answers 400 for an ID token and an API key together, on any route', async () => {
    for (const handler of [sendNotification, getOrganization, applicationSelf]) {
      const response = await call(handler, {
        ...asAlice,
        apiKey: 'key-acme',
        method: 'POST',
        ...orgPath('acme'),
        body: {},
      });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    expect(store.loads).toBe(0);
  });

  it('answers 401 for an API key on a route whose action takes no API key', async () => {
    const response = await call(updateOrganization, { apiKey: 'key-acme', ...orgPath('acme'), body: { name: 'n' } });
    expect(response.statusCode).toBe(401);
  });

  it('takes a key-grantable action from a key with that scope only where the operation takes API keys', async () => {
    expect((await call(getOrganization, { apiKey: 'key-read', ...orgPath('acme') })).statusCode).toBe(401);
    const allowed = await call(getOrganizationForKeys, { apiKey: 'key-read', ...orgPath('acme') });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toEqual({ id: 'acme', access: 'application' });
    // The scope is the permission itself: another scope answers 403 in its own organization, 404 elsewhere.
    expect((await call(getOrganizationForKeys, { apiKey: 'key-acme', ...orgPath('acme') })).statusCode).toBe(403);
    expect((await call(getOrganizationForKeys, { apiKey: 'key-read', ...orgPath('globex') })).statusCode).toBe(404);
  });

  it('answers the same 404 for a non-member and a missing organization, and logs the reason', async () => {
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const notMember = await call(getOrganization, { ...asAlice, ...orgPath('globex') });
    const missing = await call(getOrganization, { ...asAlice, ...orgPath('nowhere') });
    expect(notMember.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    const strip = (body: unknown) => ({ ...(body as { error: object }).error, requestId: undefined });
    expect(strip(notMember.body)).toEqual(strip(missing.body));
    expect(Object.keys(notMember.headers).sort()).toEqual(Object.keys(missing.headers).sort());
    expect(warned).toHaveBeenCalledWith(
      'access denied',
      expect.objectContaining({ reason: 'not a member', principal: 'user:alice', organizationId: 'globex' }),
    );
    expect(JSON.stringify(warned.mock.calls)).not.toContain(fakeToken('alice'));
  });

  it('answers 403 FORBIDDEN to a member whose role is below the action', async () => {
    const response = await call(updateOrganization, {
      token: fakeToken('vic'),
      method: 'PATCH',
      ...orgPath('acme'),
      body: { name: 'n' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('lets members read a SUSPENDED organization and refuses writes with ORGANIZATION_SUSPENDED', async () => {
    expect((await call(getOrganization, { ...asAlice, ...orgPath('paused') })).statusCode).toBe(200);
    const write = await call(updateOrganization, {
      ...asAlice,
      method: 'PATCH',
      ...orgPath('paused'),
      body: { name: 'n' },
    });
    expect(write.statusCode).toBe(403);
    expect(write.body).toMatchObject({ error: { code: 'ORGANIZATION_SUSPENDED' } });
  });

  it('answers 404 for a DELETED organization, even to its owner', async () => {
    expect((await call(getOrganization, { ...asAlice, ...orgPath('gone') })).statusCode).toBe(404);
  });

  it('lets platform staff read any organization and records a platform.access event', async () => {
    const response = await call(getOrganization, { token: fakeToken('staff'), ...orgPath('globex') });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ access: 'platform' });
    expect(outbox.events).toEqual([
      {
        type: 'platform.access',
        organizationId: 'globex',
        actor: { kind: 'platform', id: 'staff' },
        data: expect.objectContaining({ action: 'organization:read', operation: 'getOrganization' }),
      },
    ]);
  });

  it('refuses platform access with 503 when its audit event cannot be written to the outbox', async () => {
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    stubEnv('SERVICE_NAME', 'tenantry-organizations');
    stubEnv('ORGANIZATIONS_TABLE', 'organizations');
    const attempted: unknown[] = [];
    const failing = {
      send: async (command: { input: unknown }) => {
        attempted.push(command.input);
        throw new Error('DynamoDB down');
      },
    } as unknown as DynamoDBDocumentClient;
    configureSecurity({ eventOutbox: dynamoEventOutbox(() => failing) });
    const response = await call(getOrganization, { token: fakeToken('staff'), ...orgPath('globex') });
    expect(response.statusCode).toBe(503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(response.body)).not.toContain('DynamoDB');
    // The outbox item it tried to write: the event, in the service's own table, of the organization.
    expect(attempted).toEqual([
      {
        TableName: 'organizations',
        Item: expect.objectContaining({
          entity: 'OutboxEvent',
          organizationId: 'globex',
          event: expect.objectContaining({ type: 'platform.access', id: expect.any(String) }),
        }),
      },
    ]);
  });

  it('records nothing for a member access', async () => {
    await call(getOrganization, { ...asAlice, ...orgPath('acme') });
    expect(outbox.events).toEqual([]);
  });

  it('answers 403 to a CUSTOMER listing every organization, and 200 to staff', async () => {
    expect((await call(listOrganizations, { token: fakeToken('cust') })).statusCode).toBe(403);
    expect((await call(listOrganizations, { token: fakeToken('staff') })).statusCode).toBe(200);
  });

  it('accepts an API key with the scope in its own organization only', async () => {
    const own = await call(sendNotification, { apiKey: 'key-acme', method: 'POST', ...orgPath('acme'), body: {} });
    expect(own.statusCode).toBe(201);
    expect(own.body).toEqual({ by: 'application:app1' });
    const other = await call(sendNotification, { apiKey: 'key-acme', method: 'POST', ...orgPath('globex'), body: {} });
    expect(other.statusCode).toBe(404);
    const unscoped = await call(sendNotification, { apiKey: 'key-self', method: 'POST', ...orgPath('acme'), body: {} });
    expect(unscoped.statusCode).toBe(403);
    const unknown = await call(sendNotification, { apiKey: 'nope', method: 'POST', ...orgPath('acme'), body: {} });
    expect(unknown.statusCode).toBe(401);
  });

  it('answers 401 to an API key of a SUSPENDED organization', async () => {
    store.add(organization('acme', { status: 'SUSPENDED' }));
    const response = await call(sendNotification, { apiKey: 'key-acme', method: 'POST', ...orgPath('acme'), body: {} });
    expect(response.statusCode).toBe(401);
  });

  it('serves applications:self to an API key, reading only the key organization (no membership)', async () => {
    const response = await call(applicationSelf, { apiKey: 'key-self', path: '/applications/me' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ id: 'app2', organizationId: 'acme' });
    expect(store.loads).toBe(1);
    expect((await call(applicationSelf, { ...asAlice, path: '/applications/me' })).statusCode).toBe(401);
  });

  it('answers the same 401 to applications:self when the key organization is SUSPENDED, DELETED or missing', async () => {
    const unknown = await call(applicationSelf, { apiKey: 'nope', path: '/applications/me' });
    const strip = (body: unknown) => ({ ...(body as { error: object }).error, requestId: undefined });
    for (const status of ['SUSPENDED', 'DELETED'] as const) {
      store.add(organization('acme', { status }));
      const response = await call(applicationSelf, { apiKey: 'key-self', path: '/applications/me' });
      expect([status, response.statusCode]).toEqual([status, 401]);
      expect(strip(response.body)).toEqual(strip(unknown.body));
    }
    configureSecurity({
      resolvers: {
        application: fakeApiKeyResolver({
          'key-orphan': { kind: 'application', id: 'app9', organizationId: 'purged', scopes: ['applications:self'] },
        }),
      },
    });
    const orphan = await call(applicationSelf, { apiKey: 'key-orphan', path: '/applications/me' });
    expect(orphan.statusCode).toBe(401);
    expect(strip(orphan.body)).toEqual(strip(unknown.body));
  });

  it('answers 401 to an API key the application resolver does not know', async () => {
    configureSecurity({ resolvers: { application: fakeApiKeyResolver({}) } });
    const response = await call(sendNotification, { apiKey: 'key-acme', method: 'POST', ...orgPath('acme'), body: {} });
    expect(response.statusCode).toBe(401);
  });
});
