// The outbox relay of @tenantry/events against the test platform: DynamoDB Local holds the outbox items (in a table of
// this test, so the platform's own stream pollers never see them), the local bus carries the events,
// and the notifications service's audit consumer records them. Its source is this test's own
// (`tenantry.relaytest`), so the bus outage below refuses this test's events only.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { documentClient, organizationPk, tables } from '@tenantry/dynamo';
import { type DomainEvent, type NewDomainEvent, OUTBOX_ENTITY, outboxKey, outboxPut } from '@tenantry/events';
import { type OutboxStreamRecord, outboxRelay, RELAY_RETRY_BUDGET_MS, RelayError } from '@tenantry/events/relay';
import { eventually, restoreEnv, stubEnv } from '../src/testing';
import { fakeClock } from './fake-clock';
import { scratchTable } from './scratch-table';

const table = `tenantry-test-outbox-${randomUUID()}`;
const streamArn = `arn:aws:dynamodb:ddblocal:000000000000:table/${table}/stream/2026-11-29T00:00:00.000`;
const noWait = async () => undefined;

/** The bus outage switch of the local bus (@tenantry/local-platform), for this test's source only. */
async function outage(on: boolean): Promise<void> {
  const response = await fetch(`${process.env.EVENTBRIDGE_ENDPOINT}/_tenantry/outage`, {
    method: on ? 'PUT' : 'DELETE',
    body: JSON.stringify({ sources: ['tenantry.relaytest'] }),
  });
  expect(response.status).toBe(200);
}

/**
 * Whether the local bus has a delivery of the event still to end: it keeps each event it accepted in
 * `<data dir>/event-bus` until every delivery of it ended.
 */
function busDelivering(eventId: string): boolean {
  const pending = join(process.env.TENANTRY_DATA_DIR!, 'event-bus');
  return readdirSync(pending).some((name) => {
    try {
      return readFileSync(join(pending, name), 'utf8').includes(eventId);
    } catch {
      return false; // its delivery ended while we listed the folder
    }
  });
}

/** Writes events to the test table's outbox as a repository does; answers their stream records. */
async function written(events: NewDomainEvent[]): Promise<{ ids: string[]; records: OutboxStreamRecord[] }> {
  const puts = events.map((event) => outboxPut(table, event));
  await documentClient().send(new TransactWriteCommand({ TransactItems: puts }));
  const ids = puts.map((put) => String((put.Put!.Item as { event: DomainEvent }).event.id));
  return { ids, records: ids.map((id) => insertOf(id)) };
}

const insertOf = (id: string, eventName = 'INSERT'): OutboxStreamRecord => ({
  eventName,
  eventSourceARN: streamArn,
  dynamodb: { Keys: { pk: { S: outboxKey(id).pk }, sk: { S: outboxKey(id).sk } } },
});

const stillInOutbox = async (id: string) =>
  (await documentClient().send(new GetCommand({ TableName: table, Key: outboxKey(id), ConsistentRead: true }))).Item;

async function audited(organizationId: string): Promise<DomainEvent[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tables.notifications(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId), ':audit': 'AUDIT#' },
      ConsistentRead: true,
    }),
  );
  return Items as DomainEvent[];
}

const updated = (organizationId: string, name: string): NewDomainEvent => ({
  type: 'organization.updated',
  organizationId,
  actor: { kind: 'user', id: 'user-1' },
  data: { changed: ['name'], name },
});

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  await client.send(new CreateTableCommand(scratchTable(table)));
  client.destroy();
});

afterAll(async () => {
  const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
});

beforeEach(() => stubEnv('SERVICE_NAME', 'tenantry-relaytest'));
afterEach(async () => {
  await outage(false);
  restoreEnv();
});

describe('the outbox relay', () => {
  it('puts the announced events on the bus once each, in order, and deletes their items', async () => {
    const organizationId = `org_${randomUUID()}`;
    const { ids, records } = await written([updated(organizationId, 'One'), updated(organizationId, 'Two')]);
    expect(await stillInOutbox(ids[0]!)).toMatchObject({ entity: OUTBOX_ENTITY, organizationId });

    // A record announced twice in one batch, and records that are no outbox insert, change nothing.
    const noise = [
      insertOf(ids[0]!),
      insertOf(ids[0]!, 'REMOVE'),
      { ...insertOf('x'), dynamodb: { Keys: { pk: { S: 'ORG#x' } } } },
    ];
    const result = await outboxRelay({ sleep: noWait })({ Records: [...records, ...noise] });

    expect(result).toEqual({ published: 2, skipped: 0 });
    for (const id of ids) expect(await stillInOutbox(id)).toBeUndefined();
    const entries = await eventually(async () => {
      const found = await audited(organizationId);
      return found.length === 2 ? found : undefined;
    });
    expect(entries.map((entry) => entry.id).sort()).toEqual([...ids].sort());
  });

  it('rides out an outage shorter than its retry budget within one invocation', async () => {
    const organizationId = `org_${randomUUID()}`;
    const { ids, records } = await written([updated(organizationId, 'Brief outage')]);
    await outage(true);
    // The bus comes back after 10 s of the relay's time, half its budget.
    const clock = fakeClock(async (elapsedMs) => {
      if (elapsedMs >= RELAY_RETRY_BUDGET_MS / 2) await outage(false);
    });

    expect(await outboxRelay(clock)({ Records: records })).toEqual({ published: 1, skipped: 0 });

    expect(clock.spent().elapsedMs).toBeGreaterThanOrEqual(RELAY_RETRY_BUDGET_MS / 2);
    expect(clock.spent().elapsedMs).toBeLessThan(RELAY_RETRY_BUDGET_MS);
    expect(await stillInOutbox(ids[0]!)).toBeUndefined();
    const entries = await eventually(async () => {
      const found = await audited(organizationId);
      return found.length > 0 ? found : undefined;
    });
    expect(entries.map((entry) => entry.id)).toEqual(ids);
  });

  it('keeps the items while the bus refuses them past the budget, and publishes them once it is back', async () => {
    const organizationId = `org_${randomUUID()}`;
    const { ids, records } = await written([updated(organizationId, 'Down')]);
    await outage(true);
    const clock = fakeClock();

    await expect(outboxRelay(clock)({ Records: records })).rejects.toThrow(
      new RelayError(`the bus refused 1 event(s) of table ${table}: InternalFailure: the local bus is in an outage`),
    );
    // The whole budget was spent waiting for the bus, in rounds no more than 4 s apart.
    expect(clock.spent().elapsedMs).toBe(RELAY_RETRY_BUDGET_MS);
    expect(clock.spent().waits).toBeGreaterThanOrEqual(RELAY_RETRY_BUDGET_MS / 4_000);
    expect(await stillInOutbox(ids[0]!)).toBeDefined();

    await outage(false);
    // The stream delivers the failed batch again.
    expect(await outboxRelay({ sleep: noWait })({ Records: records })).toEqual({ published: 1, skipped: 0 });
    expect(await stillInOutbox(ids[0]!)).toBeUndefined();
    const entries = await eventually(async () => {
      const found = await audited(organizationId);
      return found.length > 0 ? found : undefined;
    });
    expect(entries.map((entry) => entry.id)).toEqual(ids);
  });

  it('redelivers after a crash between the put and the delete, and the audit log keeps the event once', async () => {
    const organizationId = `org_${randomUUID()}`;
    const { ids, records } = await written([updated(organizationId, 'Crash')]);
    // A relay that dies after PutEvents succeeded and before its delete reached DynamoDB.
    const real = documentClient();
    const crashing = Object.assign(Object.create(real) as DynamoDBDocumentClient, {
      send: (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'BatchWriteCommand') return Promise.reject(new Error('killed'));
        return real.send(command as never);
      },
    });

    await expect(outboxRelay({ client: crashing, sleep: noWait })({ Records: records })).rejects.toThrow('killed');
    expect(await stillInOutbox(ids[0]!)).toBeDefined();
    await eventually(async () => ((await audited(organizationId)).length > 0 ? true : undefined));

    // The retry of the same batch puts the event on the bus a second time.
    expect(await outboxRelay({ sleep: noWait })({ Records: records })).toEqual({ published: 1, skipped: 0 });
    expect(await stillInOutbox(ids[0]!)).toBeUndefined();

    // A third delivery of the batch (the stream is at least once too) finds nothing left to publish.
    expect(await outboxRelay({ sleep: noWait })({ Records: records })).toEqual({ published: 0, skipped: 1 });
    // The consumer is idempotent on the event id: once both deliveries ended, one entry.
    await eventually(async () => busDelivering(ids[0]!), {
      until: (delivering) => !delivering,
      description: 'the bus to end both deliveries of the event',
    });
    expect((await audited(organizationId)).map((entry) => entry.id)).toEqual(ids);
  });
});
