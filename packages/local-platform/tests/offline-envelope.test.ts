// serverless-plugin.cjs makes serverless-offline's own answers (its Hapi server's errors, its
// route-not-found page) the error envelope of contract §8, on a real Hapi server of the version
// serverless-offline runs, started the way serverless-offline starts it.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const require = createRequire(import.meta.url);
const TenantryLocalPlatformPlugin = require('../serverless-plugin.cjs') as new (
  serverless: unknown,
  options: Record<string, unknown>,
) => { hooks: Record<string, () => unknown>; wrapOfflineStart(): void };
const offlineEntry = createRequire(new URL('../../../services/organizations/package.json', import.meta.url)).resolve(
  'serverless-offline',
);
/** The little of Hapi's API this test uses (serverless-offline's dependency, not ours: no types here). */
interface HapiServer {
  info: { port: number };
  route(route: {
    method: string;
    path: string;
    handler: (request: { path: string }, h: { response(value: unknown): { code(status: number): unknown } }) => unknown;
  }): void;
  ext(
    event: 'onPreResponse',
    method: (request: { method: string; response: unknown }, h: { continue: symbol }) => unknown,
  ): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
const { Server } = createRequire(offlineEntry)('@hapi/hapi') as {
  Server: new (options: { host: string; port: number }) => HapiServer;
};

/** Stands in for serverless-offline's plugin: the class name and the two members the plugin uses. */
class ServerlessOffline {
  server: HapiServer | undefined;
  internals() {
    return {
      getApiGatewayServer: () => {
        if (!this.server) throw new Error('no HTTP server');
        return this.server;
      },
    };
  }
  async start() {
    const server = new Server({ host: '127.0.0.1', port: 0 });
    server.route({ method: 'GET', path: '/organizations/{orgId}', handler: () => ({ id: 'from the function' }) });
    // serverless-offline's create404Route, as it answers.
    server.route({
      method: '*',
      path: '/{p*}',
      handler: (request, h) =>
        h
          .response({ error: 'Serverless-offline: route not found.', currentRoute: request.path, statusCode: 404 })
          .code(404),
    });
    // serverless-offline's CORS extension, as it treats a preflight: whatever the answer, a 204.
    server.ext('onPreResponse', (request, h) => {
      const response = request.response as { isBoom?: boolean; output: { statusCode: number }; statusCode: number };
      if (request.method === 'options') (response.isBoom ? response.output : response).statusCode = 204;
      return h.continue;
    });
    await server.start();
    this.server = server;
  }
}

let offline: ServerlessOffline;
let baseUrl: string;

beforeAll(async () => {
  offline = new ServerlessOffline();
  const plugin = new TenantryLocalPlatformPlugin({ pluginManager: { plugins: [offline] }, service: {} }, {});
  plugin.wrapOfflineStart();
  await offline.start(); // what `sls offline` runs (its `offline:start` calls `this.start()`)
  await plugin.hooks['after:offline:start:init']!(); // what `sls offline start` runs: no second extension
  baseUrl = `http://127.0.0.1:${offline.server!.info.port}`;
});

afterAll(async () => {
  await offline.server?.stop();
});

const envelope = (code: string) => ({
  error: { code, message: expect.any(String), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
});

describe("serverless-offline's own answers", () => {
  it.each(['/organizations/%C0%AF', '/organizations/%ED%A0%80', '/organizations/%'])(
    'answer 400 VALIDATION_FAILED in the envelope for a path that is not valid percent-encoding: %s',
    async (path) => {
      const response = await fetch(`${baseUrl}${path}`);

      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 400,
        body: envelope('VALIDATION_FAILED'),
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    },
  );

  it('answer 404 NOT_FOUND in the envelope for a route the service does not declare', async () => {
    const response = await fetch(`${baseUrl}/no/such/route`, { method: 'POST' });

    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 404,
      body: envelope('NOT_FOUND'),
    });
  });

  it('leave an answer serverless-offline turned into a success as it is (a CORS preflight)', async () => {
    const response = await fetch(`${baseUrl}/organizations/%C0%AF`, {
      method: 'OPTIONS',
      headers: { origin: 'http://x' },
    });

    expect(response.status).toBe(204);
  });

  it("leave a function's own answer as it is", async () => {
    const response = await fetch(`${baseUrl}/organizations/org_1`);

    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { id: 'from the function' },
    });
  });
});
