// A JWKS, a DynamoDB or a function's own time that runs out answers 503 SERVICE_UNAVAILABLE with
// Retry-After — never 401 for a valid token, never 500 — and is logged at WARN with its cause
// (contract §8). In process, through the real stack, with real ID tokens of the test platform's
// cognito-local and JWKS endpoints on 127.0.0.1 that we stop, break or make hang.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createUser, idToken } from '@tenantry/local-platform';
import { eventually, restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import type { ErrorResponse } from '@tenantry/models';
import type { Context } from 'aws-lambda';
import {
  cognitoUserResolver,
  configureSecurity,
  createTokenVerifier,
  dynamoOrganizationStore,
  type LambdaHandler,
  logger,
  resetSecurityConfig,
  route,
  type TokenVerifier,
  warmUpSecurity,
} from '../../src/index';
import { type CallResult, call, httpEvent, lambdaContext, memoryCounterStore } from '../../src/testing';
import { fakeModels, fakeToken, fakeVerifier, userResolverFor } from '../support/fakes';
import { localPlatform } from '../support/platform';

type Mode = 'up' | 'reset' | 'error' | 'hang';

/** A JWKS endpoint we control: it serves cognito-local's JWKS, or fails the way we ask. */
interface JwksEndpoint {
  uri: string;
  mode: Mode;
  fetches: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function jwksEndpoint(realJwks: string): Promise<JwksEndpoint> {
  const endpoint: JwksEndpoint = {
    uri: '',
    mode: 'up',
    fetches: 0,
    close: async () => undefined,
  };
  const server = await listen((req, res) => {
    endpoint.fetches++;
    if (endpoint.mode === 'up') res.writeHead(200, { 'content-type': 'application/json' }).end(realJwks);
    else if (endpoint.mode === 'error') res.writeHead(500).end('down for maintenance');
    else if (endpoint.mode === 'reset') req.socket.destroy();
    // 'hang': never answers
  });
  endpoint.uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

/** The address of a JWKS endpoint that was stopped: nothing listens there any more. */
async function stoppedEndpoint(): Promise<string> {
  const server = await listen((_req, res) => res.end());
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

/** What the logger writes (Powertools writes WARN to stderr, INFO to stdout), parsed. */
function captureLogs(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: string[] = [];
  const keep = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    lines: () =>
      written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

const models = fakeModels({
  me: { method: 'GET', path: '/me' },
  getOrganization: { method: 'GET', path: '/organizations/{orgId}' },
});

let token: string;
let realJwks: string;
let platform: { stop(): Promise<void> };

beforeAll(async () => {
  platform = await localPlatform();
  const endpoint = process.env.COGNITO_ENDPOINT!;
  const pool = { userPoolId: process.env.USER_POOL_ID!, clientId: process.env.AUTH_CLIENT_ID! };
  const email = `unavailable-${Date.now()}@example.test`;
  await createUser(endpoint, pool, email);
  token = await idToken(endpoint, pool, email);
  realJwks = await (await fetch(`${process.env.AUTH_ISSUER}/.well-known/jwks.json`)).text();
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

let logs: ReturnType<typeof captureLogs> | undefined;

beforeEach(() => {
  resetSecurityConfig();
  configureSecurity({ rateLimitStore: memoryCounterStore() }); // counters in memory: no DynamoDB in these tests
  logger.setLogLevel('INFO');
});

afterEach(() => {
  logs?.restore();
  logs = undefined;
});

function verifierAt(jwksUri: string): TokenVerifier {
  return createTokenVerifier({
    clientId: process.env.AUTH_CLIENT_ID!,
    issuer: process.env.AUTH_ISSUER!,
    jwksUri,
  });
}

/** A user route (`me:read`) whose tokens are verified against `jwksUri`. */
function meRoute(verifier: TokenVerifier): LambdaHandler {
  configureSecurity({ models, resolvers: { user: cognitoUserResolver(verifier) } });
  return route({ operation: 'me', action: 'me:read' }, async ({ context }) => ({ body: { id: context.principal.id } }));
}

function expectUnavailable(response: CallResult<ErrorResponse>, retryAfter: string) {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBe(retryAfter);
  expect(response.body.error.code).toBe('SERVICE_UNAVAILABLE');
  expect(JSON.stringify(response.body)).not.toMatch(/jwks|127\.0\.0\.1|ECONN|fetch|socket/i);
}

describe('a JWKS that cannot be fetched answers 503 with Retry-After, never 401', () => {
  it('a stopped JWKS endpoint: 503 SERVICE_UNAVAILABLE, logged at WARN with its cause', async () => {
    const me = meRoute(verifierAt(await stoppedEndpoint()));
    logs = captureLogs();

    const response = await call<ErrorResponse>(me, { token });

    expectUnavailable(response, '2');
    const warnings = logs.lines().filter((line) => line.message === 'service unavailable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'WARN', code: 'SERVICE_UNAVAILABLE', status: 503, operation: 'me' });
    expect(JSON.stringify(warnings[0]?.cause)).toMatch(/ECONNREFUSED|fetch failed/);
    expect(logs.lines().filter((line) => line.message === 'access denied')).toEqual([]);
  });

  it.each([
    ['answers 500', 'error'],
    ['resets the connection', 'reset'],
  ] as const)('a JWKS endpoint that %s: 503, and the same token gets 200 once it is back', async (_name, mode) => {
    const jwks = await jwksEndpoint(realJwks);
    try {
      const me = meRoute(verifierAt(jwks.uri));
      jwks.mode = mode;
      expectUnavailable(await call<ErrorResponse>(me, { token }), '2');

      jwks.mode = 'up';
      const recovered = await call<{ id: string }>(me, { token });
      expect(recovered.statusCode).toBe(200);
      expect(recovered.body.id).toMatch(/.+/);
    } finally {
      await jwks.close();
    }
  });

  it('a JWKS endpoint that never answers: the route deadline answers 503 before the function times out', async () => {
    const jwks = await jwksEndpoint(realJwks);
    jwks.mode = 'hang';
    try {
      const me = meRoute(verifierAt(jwks.uri));
      const event = httpEvent({ token });
      // A function with 1.5 s left: the deadline answers 0.5 s before that, whatever still runs.
      const context = { ...lambdaContext(event.requestContext.requestId), getRemainingTimeInMillis: () => 1500 };
      const result = await me(event, context);
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('1');
      expect(JSON.parse(String(result.body)).error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await jwks.close();
    }
  });

  it('tokens that are invalid on their face stay 401 while the JWKS is down', async () => {
    const me = meRoute(verifierAt(await stoppedEndpoint()));
    const [head, body] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${body}.`;
    for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${none}`, `Basic ${head}`]) {
      const response = await call(me, { headers: authorization ? { authorization } : {} });
      expect(response.statusCode).toBe(401);
      expect(response.headers['retry-after']).toBeUndefined();
    }
  });
});

describe('the JWKS is fetched once per container, at init', () => {
  it('inside a function, building a route fetches the JWKS right away, before any request', async () => {
    const jwks = await jwksEndpoint(realJwks);
    stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'tenantry-test-me');
    try {
      meRoute(verifierAt(jwks.uri));
      await eventually(async () => jwks.fetches, {
        until: (fetches) => fetches === 1,
        timeoutMs: 5000,
        description: 'one JWKS fetch',
      });
    } finally {
      restoreEnv();
      await jwks.close();
    }
  });

  it('warmUpSecurity() fetches it before the first request; requests then fetch nothing', async () => {
    const jwks = await jwksEndpoint(realJwks);
    try {
      const me = meRoute(verifierAt(jwks.uri));
      await warmUpSecurity();
      expect(jwks.fetches).toBe(1);

      for (let i = 0; i < 3; i++) expect((await call(me, { token })).statusCode).toBe(200);
      expect(jwks.fetches).toBe(1);
    } finally {
      await jwks.close();
    }
  });

  it('a burst of 100 concurrent first requests of a cold verifier shares one fetch and gets 100 × 200', async () => {
    const jwks = await jwksEndpoint(realJwks);
    try {
      const me = meRoute(verifierAt(jwks.uri));
      // No remaining time in the context: no deadline, so a loaded machine cannot turn these into 503s.
      const { getRemainingTimeInMillis: _, ...untimed } = lambdaContext();
      const statuses = await Promise.all(
        Array.from({ length: 100 }, async () => (await me(httpEvent({ token }), untimed as Context)).statusCode),
      );
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(jwks.fetches).toBe(1);
    } finally {
      await jwks.close();
    }
  });

  it('a failed warm-up is retried by the first request, which gets 200 once the JWKS is back', async () => {
    const jwks = await jwksEndpoint(realJwks);
    try {
      jwks.mode = 'error';
      const me = meRoute(verifierAt(jwks.uri));
      logger.setLogLevel('SILENT');
      await warmUpSecurity();
      expect(jwks.fetches).toBe(1);
      jwks.mode = 'up';
      expect((await call(me, { token })).statusCode).toBe(200);
      expect(jwks.fetches).toBe(2);
    } finally {
      await jwks.close();
    }
  });
});

describe('a function about to run out of time answers 503, never 500', () => {
  it("Middy's early timeout (timeoutEarlyResponse) while the business function runs", async () => {
    configureSecurity({ models, resolvers: { user: userResolverFor(fakeVerifier({ alice: {} })) } });
    const slow = route({ operation: 'me', action: 'me:read' }, async () => {
      // Slower than the time left, on purpose: what is under test is the answer before it ends. The
      // timer is unref'd: it outlives the test and must not hold the jest worker open.
      await new Promise((resolve) => setTimeout(resolve, 3000).unref());
      return { body: { late: true } };
    });
    logs = captureLogs();
    const event = httpEvent({ token: fakeToken('alice') });
    // 1.2 s left: Middy answers 1 s before the end, so after about 0.2 s.
    const context = { ...lambdaContext(event.requestContext.requestId), getRemainingTimeInMillis: () => 1200 };

    const result = await slow(event, context);

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(String(result.body)).error.code).toBe('SERVICE_UNAVAILABLE');
    const warning = logs.lines().find((line) => line.message === 'service unavailable');
    expect(warning).toMatchObject({ level: 'WARN' });
    expect(JSON.stringify(warning?.cause)).toMatch(/about to time out/);
    expect(logs.lines().filter((line) => line.level === 'ERROR')).toEqual([]);
  });
});

describe('a DynamoDB that cannot be reached answers 503', () => {
  it("layer 2's organization read against a dead port: 503 with Retry-After, never 500 or a grant", async () => {
    const dead = new URL(await stoppedEndpoint());
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${dead.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 2,
      }),
    );
    configureSecurity({
      models,
      organizationStore: dynamoOrganizationStore(client),
      resolvers: { user: userResolverFor(fakeVerifier({ alice: {} })) },
    });
    let ran = false;
    const getOrganization = route({ operation: 'getOrganization', action: 'organization:read' }, async () => {
      ran = true;
      return { body: {} };
    });
    logs = captureLogs();

    const response = await call<ErrorResponse>(getOrganization, {
      token: fakeToken('alice'),
      pathParameters: { orgId: 'org_1' },
    });

    expectUnavailable(response, '1');
    expect(ran).toBe(false);
    const warning = logs.lines().find((line) => line.message === 'service unavailable');
    expect(JSON.stringify(warning?.error)).toMatch(/ECONNREFUSED/);
    client.destroy();
  });
});
