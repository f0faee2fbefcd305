// The gateway alone, in front of a service that is not there: the answer a client can act on.
import type { Server } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { corsPolicy } from '../src/cors';
import { startGateway } from '../src/gateway';

/** A port nothing listens on: taken from the OS, then released. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let gateway: Server;
let baseUrl: string;

beforeAll(async () => {
  const [port, servicePort] = [await deadPort(), await deadPort()];
  gateway = await startGateway({
    port,
    routes: [{ method: 'GET', path: '/organizations/{orgId}', service: 'organizations', port: servicePort }],
    healthRoutes: [],
    cors: corsPolicy(),
  });
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));

describe('a request to a service that does not answer', () => {
  it('gets 503 SERVICE_UNAVAILABLE with Retry-After (contract §8), never a 500 or 502', async () => {
    const response = await fetch(`${baseUrl}/organizations/org_1`, { headers: { origin: 'http://localhost:5173' } });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(await response.json()).toEqual({
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringContaining('organizations'),
        requestId: expect.any(String),
      },
    });
  });

  it('still answers 404 NOT_FOUND for a path no service declares', async () => {
    const response = await fetch(`${baseUrl}/nowhere`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('a request whose path is not a valid URL', () => {
  it.each(['/organizations/%ED%A0%80', '/organizations/%C0%AF', '/organizations/%'])(
    'gets 400 VALIDATION_FAILED from the gateway itself for %s, in the error envelope',
    async (path) => {
      const response = await fetch(`${baseUrl}${path}`);

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'VALIDATION_FAILED', message: expect.any(String), requestId: expect.any(String) },
      });
    },
  );

  it('gets 400 for a request target that is no URL at all, and the gateway keeps answering', async () => {
    const { port } = new URL(baseUrl);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });

    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${baseUrl}/nowhere`)).status).toBe(404);
  });
});
