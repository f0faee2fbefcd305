// The local bus on its own: what it acknowledged survives it. A subscriber is a tiny HTTP server that
// answers serverless-offline's Lambda Invoke route, so the bus can be stopped and started around it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
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

/** A Lambda Invoke endpoint that answers `status` and records each event it received (on `port`, or any free one). */
async function subscriber(status: () => number, port = 0): Promise<{ port: number; received: string[] }> {
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
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received };
}

async function bus(lambdaPort: number, log: (line: string) => void = () => undefined): Promise<LocalEventBus> {
  const started = await startEventBus({
    port: 0,
    region: 'us-east-1',
    targets: [
      { functionName: 'audit', eventBus: 'tenantry-local', pattern: { source: ['tenantry.tests'] }, lambdaPort },
    ],
    log,
    pendingDir,
  });
  return started;
}

const entry = (detail: unknown = {}): PutEventsRequestEntry => ({
  EventBusName: 'tenantry-local',
  Source: 'tenantry.tests',
  DetailType: 'test',
  Detail: JSON.stringify(detail),
});

/** PutEvents of `entries` through the SDK, as the outbox relay sends them. */
async function putEvents(target: LocalEventBus, entries: PutEventsRequestEntry[]) {
  const { port } = target.server.address() as AddressInfo;
  const client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: localCredentials,
  });
  try {
    return await client.send(new PutEventsCommand({ Entries: entries }));
  } finally {
    client.destroy();
  }
}

async function put(target: LocalEventBus): Promise<string> {
  const result = await putEvents(target, [entry()]);
  expect(result.FailedEntryCount).toBe(0);
  return result.Entries![0]!.EventId!;
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
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

  it('answers PutEvents per entry like EventBridge: the bad ones refused in place, the others delivered once', async () => {
    const audit = await subscriber(() => 200);
    const target = await bus(audit.port);
    cleanups.push(() => target.stop());
    const { DetailType: _, ...noDetailType } = entry();
    const request: PutEventsRequestEntry[] = [
      entry({ n: 1 }),
      { ...entry(), Detail: '{"not json' },
      noDetailType,
      { ...entry(), Detail: '"a string, not an object"' },
      entry({ n: 2, padding: 'x'.repeat(256 * 1024) }),
      entry({ n: 3 }),
    ];

    const result = await putEvents(target, request);

    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.map((answer) => answer.ErrorCode ?? 'accepted')).toEqual([
      'accepted',
      'MalformedDetail',
      'InvalidArgument',
      'MalformedDetail',
      'InvalidArgument',
      'accepted',
    ]);
    expect(result.Entries?.[4]?.ErrorMessage).toMatch(/256 KB/);
    const accepted = [result.Entries![0]!.EventId!, result.Entries![5]!.EventId!];
    await eventually(async () => (audit.received.length >= 2 ? true : undefined));
    await target.settled();
    expect(audit.received.sort()).toEqual(accepted.sort());
  });

  it('says that a subscriber is not running, and delivers to it quietly when it starts', async () => {
    const lines: string[] = [];
    const port = await freePort();
    const target = await bus(port, (line) => lines.push(line));
    cleanups.push(() => target.stop());
    const id = await put(target);
    await eventually(async () => (lines.length > 0 ? true : undefined));

    const audit = await subscriber(() => 200, port);
    await eventually(async () => (audit.received.includes(id) ? true : undefined));
    await target.settled();

    expect(lines).toEqual([
      expect.stringMatching(/^audit: its service is not running \(.*ECONNREFUSED.*\); delivering when it starts$/),
    ]);
    expect(audit.received).toEqual([id]);
  });
});
