// The local bus on its own: what it acknowledged survives it. A subscriber is a tiny HTTP server that
// answers serverless-offline's Lambda Invoke route, so the bus can be stopped and started around it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { localCredentials } from '../src/dynamodb';
import { type LocalEventBus, startEventBus } from '../src/event-bus';
import { eventually } from '../src/testing';

const pendingDir = mkdtempSync(join(tmpdir(), 'tenantry-bus-'));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(pendingDir, { recursive: true, force: true }));

/** A Lambda Invoke endpoint that answers `status` and records each event it received. */
async function subscriber(status: () => number): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const code = status();
      if (code === 200) received.push((JSON.parse(body) as { id: string }).id);
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received };
}

async function bus(lambdaPort: number): Promise<LocalEventBus> {
  const started = await startEventBus({
    port: 0,
    region: 'us-east-1',
    targets: [
      { functionName: 'audit', eventBus: 'tenantry-local', pattern: { source: ['tenantry.tests'] }, lambdaPort },
    ],
    log: () => undefined,
    pendingDir,
  });
  return started;
}

async function put(target: LocalEventBus): Promise<string> {
  const { port } = target.server.address() as AddressInfo;
  const client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: localCredentials,
  });
  const result = await client.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'tenantry-local', Source: 'tenantry.tests', DetailType: 'test', Detail: '{}' }],
    }),
  );
  client.destroy();
  expect(result.FailedEntryCount).toBe(0);
  return result.Entries![0]!.EventId!;
}

describe('the local event bus', () => {
  it('keeps an acknowledged event it could not deliver yet, and a new bus on its folder delivers it', async () => {
    let up = false;
    const audit = await subscriber(() => (up ? 200 : 500));
    const first = await bus(audit.port);
    const id = await put(first);
    expect(readdirSync(pendingDir)).toEqual([`${id}.json`]);
    await first.stop(); // while the subscriber still fails: the event stays

    expect(readdirSync(pendingDir)).toEqual([`${id}.json`]);
    up = true;
    const second = await bus(audit.port);
    cleanups.push(() => second.stop());
    await eventually(async () => (audit.received.includes(id) ? true : undefined));
    await second.settled();
    expect(audit.received).toEqual([id]);
    expect(readdirSync(pendingDir)).toEqual([]);
  });
});
