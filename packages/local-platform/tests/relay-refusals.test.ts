// The outbox relay of @tenantry/events against the real local bus, when the bus refuses some entries of
// a PutEvents (an event over EventBridge's 256 KB entry bound): the accepted events are delivered once
// and leave the outbox; only the refused one stays, and a retry of the batch sends only it again. A
// refusal that can never pass fails the batch at once, without spending the relay's retry budget.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type DomainEvent, type NewDomainEvent, outboxKey, outboxPut } from '@tenantry/events';
import { outboxRelay, RelayError } from '@tenantry/events/relay';
import { localCredentials } from '../src/dynamodb';
import { type LocalEventBus, startEventBus } from '../src/event-bus';
import { restoreEnv, stubEnv } from '../src/testing';
import { fakeClock } from './fake-clock';
import { scratchTable } from './scratch-table';

const table = `tenantry-test-refusals-${randomUUID()}`;
const streamArn = `arn:aws:dynamodb:ddblocal:000000000000:table/${table}/stream/2026-12-08T00:00:00.000`;
const pendingDir = mkdtempSync(join(tmpdir(), 'tenantry-bus-'));
const raw = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'us-east-1',
  credentials: localCredentials,
});
const client = DynamoDBDocumentClient.from(raw);
const received: string[] = [];
let subscriber: ReturnType<typeof createServer>;
let bus: LocalEventBus;
let busClient: EventBridgeClient;

beforeAll(async () => {
  await raw.send(new CreateTableCommand(scratchTable(table)));
  // The consumer: a Lambda Invoke endpoint that records the id of each event delivered to it.
  subscriber = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push((JSON.parse(body) as { detail: DomainEvent }).detail.id);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('null');
    });
  });
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', () => resolve()));
  bus = await startEventBus({
    port: 0,
    region: 'us-east-1',
    targets: [
      {
        functionName: 'audit',
        eventBus: 'tenantry-test',
        pattern: { source: ['tenantry.relaytest'] },
        lambdaPort: (subscriber.address() as AddressInfo).port,
      },
    ],
    log: () => undefined,
    pendingDir,
  });
  busClient = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${(bus.server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: localCredentials,
  });
}, 30_000);

afterAll(async () => {
  busClient.destroy();
  await bus.stop();
  await new Promise<void>((resolve) => subscriber.close(() => resolve()));
  await raw.send(new DeleteTableCommand({ TableName: table }));
  raw.destroy();
  rmSync(pendingDir, { recursive: true, force: true });
});

afterEach(() => restoreEnv());

const updated = (name: string): NewDomainEvent => ({
  type: 'organization.updated',
  organizationId: `org_${randomUUID()}`,
  actor: { kind: 'user', id: 'user-1' },
  data: { changed: ['name'], name },
});

const inOutbox = async (id: string) =>
  (await client.send(new GetCommand({ TableName: table, Key: outboxKey(id), ConsistentRead: true }))).Item;

describe('the outbox relay, when the bus refuses some entries of a batch', () => {
  it('sends again only the refused entries: the accepted ones are delivered once and leave the outbox', async () => {
    stubEnv('SERVICE_NAME', 'tenantry-relaytest');
    stubEnv('EVENT_BUS_NAME', 'tenantry-test');
    const puts = [updated('One'), updated('x'.repeat(300 * 1024)), updated('Three')].map((event) =>
      outboxPut(table, event),
    );
    await client.send(new TransactWriteCommand({ TransactItems: puts }));
    const ids = puts.map((put) => String((put.Put!.Item as { event: DomainEvent }).event.id));
    const records = ids.map((id) => ({
      eventName: 'INSERT',
      eventSourceARN: streamArn,
      dynamodb: { Keys: { pk: { S: outboxKey(id).pk }, sk: { S: outboxKey(id).sk } } },
    }));
    const clock = fakeClock();
    const relay = outboxRelay({ client, bus: busClient, ...clock });
    const tooLarge = new RelayError(
      `the bus refused 1 event(s) of table ${table}: InvalidArgument: The entry is larger than 256 KB.`,
    );

    // The stream delivers the batch, and again after it failed.
    await expect(relay({ Records: records })).rejects.toThrow(tooLarge);
    await expect(relay({ Records: records })).rejects.toThrow(tooLarge);
    await bus.settled();

    // An entry the bus will never take is not tried again: the batch fails at once, none of the
    // retry budget spent, so that the stream's bisection isolates its record quickly.
    expect(clock.spent()).toEqual({ elapsedMs: 0, waits: 0 });

    expect(received.sort()).toEqual([ids[0]!, ids[2]!].sort());
    expect([await inOutbox(ids[0]!), await inOutbox(ids[1]!), await inOutbox(ids[2]!)].map(Boolean)).toEqual([
      false,
      true,
      false,
    ]);
  });
});
