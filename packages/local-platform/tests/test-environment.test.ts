// The leak check of the jest environment (src/testing/environment.ts), run on files simulated here:
// a server or socket a file leaves open fails it, by name; the connections that a server started
// before the file (the platform, when jest runs in band) accepted from the file's fetches do not.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import TenantryEnvironment, { activeHandles } from '../src/testing/environment';
import { eventually } from '../src/testing/eventually';

/** A test file's life in the environment (setup, what the file does, its end): what fails the file. */
async function failuresOf(file: () => Promise<void>): Promise<string[]> {
  const environment = new TenantryEnvironment(
    { globalConfig: {}, projectConfig: { testEnvironmentOptions: {}, globals: {} } } as never,
    { console, docblockPragmas: {}, testPath: 'simulated.test.ts' } as never,
  );
  await environment.setup();
  await file();
  const state = { unhandledErrors: [] as Error[] };
  await environment.handleTestEvent({ name: 'run_finish' }, state);
  await environment.teardown();
  return state.unhandledErrors.map((error) => error.message);
}

const leak = (what: string) => [expect.stringContaining(`the test file left open ${what} (`)];

/** A server as the gateway: it keeps an idle connection 65 s, longer than any client does. */
async function listening(): Promise<Server> {
  const server = createServer((_request, response) => response.end('{}'));
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** Closes `server`, its connections and `sockets`, and waits until their handles are gone. */
async function closed(server: Server, ...sockets: Socket[]): Promise<void> {
  server.closeAllConnections();
  server.close();
  for (const socket of sockets) socket.destroy();
  // A handle is freed a turn of the event loop after its 'close': one still there would be counted
  // in the next simulated file's setup, and would hide a handle that file leaves open.
  const ours = (handle: unknown) =>
    handle === server || sockets.includes(handle as Socket) || (handle as { server?: Server }).server === server;
  await eventually(async () => !activeHandles().some(ours), { until: Boolean, description: 'the handles to close' });
}

describe('the leak check of the test environment', () => {
  it("passes a file whose fetches left keep-alive connections to a server started before it (the platform's)", async () => {
    const platform = await listening();
    try {
      const fetches = async () => {
        const url = `http://127.0.0.1:${portOf(platform)}/`;
        await Promise.all(Array.from({ length: 5 }, async () => (await fetch(url)).text()));
      };

      expect(await failuresOf(fetches)).toEqual([]);
    } finally {
      await closed(platform);
    }
  });

  it('fails a file that leaves a server listening, naming it', async () => {
    let leaked: Server | undefined;
    try {
      const leaksAServer = async () => {
        leaked = await listening();
      };

      expect(await failuresOf(leaksAServer)).toEqual(leak('TCPServerWrap × 1'));
    } finally {
      if (leaked) await closed(leaked);
    }
  });

  it('fails a file that leaves a socket open, even one to a server started before it', async () => {
    const platform = await listening();
    let leaked: Socket | undefined;
    try {
      const leaksASocket = async () => {
        leaked = connect(portOf(platform), '127.0.0.1');
        await once(leaked, 'connect');
      };

      expect(await failuresOf(leaksASocket)).toEqual(leak('TCPSocketWrap × 1'));
    } finally {
      await closed(platform, ...(leaked ? [leaked] : []));
    }
  });
});
