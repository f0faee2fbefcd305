// The local stand-in for Lambda's DynamoDB Streams event source, on its own against DynamoDB Local:
// a table of this test with a stream, and a tiny HTTP server answering serverless-offline's Lambda
// Invoke route in place of the function. One record is poison: its function fails whenever it is
// in the batch. As Lambda does with bisectBatchOnFunctionError and maximumRetryAttempts, the batch is
// split until the poison is alone, retried, then described to the on-failure destination, and every
// other record — those written after it too — is delivered once, in order. With
// maximumRecordAgeInSeconds, a poison record retried without bound is given up once it is too old.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { localCredentials } from '../src/dynamodb';
import { type LocalStreams, startStreamPoller } from '../src/streams';
import { eventually } from '../src/testing';
import { scratchTable } from './scratch-table';

const table = `tenantry-test-streams-${randomUUID()}`;
const agingTable = `tenantry-test-streams-aging-${randomUUID()}`;
const failuresDir = mkdtempSync(join(tmpdir(), 'tenantry-stream-failures-'));
const dynamodb = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'us-east-1',
  credentials: localCredentials,
});

interface Invoked {
  Records: Array<{ dynamodb: { Keys: { pk: { S: string } }; SequenceNumber: string } }>;
}

/** The function: fails any batch holding the poison record (counted); records the keys of each batch it took. */
async function relayStandIn() {
  const delivered: string[] = [];
  let poisonFailures = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const keys = (JSON.parse(body) as Invoked).Records.map((record) => record.dynamodb.Keys.pk.S);
      if (keys.includes('poison')) {
        poisonFailures += 1;
        response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        return response.end(JSON.stringify({ errorMessage: 'poison' }));
      }
      delivered.push(...keys);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('null');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    delivered,
    get poisonFailures() {
      return poisonFailures;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const put = (pk: string, into = table) => ({ Put: { TableName: into, Item: { pk: { S: pk }, sk: { S: 'ITEM' } } } });

/** The on-failure descriptions the poller wrote for a function. */
const givenUp = (functionName: string) =>
  readFileSync(join(failuresDir, `${functionName}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);

beforeAll(async () => {
  await dynamodb.send(new CreateTableCommand(scratchTable(table, true)));
  await dynamodb.send(new CreateTableCommand(scratchTable(agingTable, true)));
}, 30_000);

afterAll(async () => {
  await dynamodb.send(new DeleteTableCommand({ TableName: table }));
  await dynamodb.send(new DeleteTableCommand({ TableName: agingTable }));
  dynamodb.destroy();
  rmSync(failuresDir, { recursive: true, force: true });
});

describe('the local stream poller', () => {
  it('splits a failing batch, gives up on the poison record after its retries, and delivers the rest once', async () => {
    const relay = await relayStandIn();
    // One batch of five with the poison in the middle, then a record written after it.
    await dynamodb.send(
      new TransactWriteItemsCommand({ TransactItems: ['a', 'b', 'poison', 'c', 'd'].map((pk) => put(pk)) }),
    );
    let poller: LocalStreams | undefined;
    try {
      poller = await startStreamPoller({
        dynamodbPort: Number(new URL(process.env.DYNAMODB_ENDPOINT!).port),
        region: 'us-east-1',
        targets: [
          {
            functionName: 'relayOutbox',
            tableName: table,
            lambdaPort: relay.port,
            batchSize: 100,
            filterPatterns: [],
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: 2,
            maximumRecordAgeInSeconds: -1,
          },
        ],
        log: () => undefined,
        failuresDir,
      });
      await eventually(async () => (relay.delivered.length === 4 ? true : undefined), { timeoutMs: 20_000 });
      await dynamodb.send(new PutItemCommand(put('after').Put));
      await eventually(async () => (relay.delivered.includes('after') ? true : undefined), { timeoutMs: 20_000 });
    } finally {
      await poller?.stop();
      await relay.close();
    }

    expect(relay.delivered).toEqual(['a', 'b', 'c', 'd', 'after']);
    expect(givenUp('relayOutbox')).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 }),
        DDBStreamBatchInfo: expect.objectContaining({
          batchSize: 1,
          streamArn: expect.stringContaining(`table/${table}/stream/`),
          startSequenceNumber: expect.any(String),
        }),
      }),
    ]);
  }, 60_000);

  it('gives up on the records older than maximumRecordAgeInSeconds, even while retried without bound', async () => {
    const relay = await relayStandIn();
    // The poller's clock: moved two hours on while the poison is retried, back once it was given up.
    let offsetMs = 0;
    await dynamodb.send(
      new TransactWriteItemsCommand({ TransactItems: ['e', 'poison', 'f'].map((pk) => put(pk, agingTable)) }),
    );
    let poller: LocalStreams | undefined;
    try {
      poller = await startStreamPoller({
        dynamodbPort: Number(new URL(process.env.DYNAMODB_ENDPOINT!).port),
        region: 'us-east-1',
        targets: [
          {
            functionName: 'agingRelay',
            tableName: agingTable,
            lambdaPort: relay.port,
            batchSize: 100,
            filterPatterns: [],
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: -1,
            maximumRecordAgeInSeconds: 3600,
          },
        ],
        log: () => undefined,
        failuresDir,
        now: () => Date.now() + offsetMs,
      });
      // The batch was split, `e` delivered, and the poison alone failed more than once.
      await eventually(async () => (relay.poisonFailures >= 5 ? true : undefined), { timeoutMs: 20_000 });
      offsetMs = 2 * 3600 * 1000;
      // The poison, and `f` after it, are now two hours old: given up, not invoked again.
      await eventually(async () => (existsSync(join(failuresDir, 'agingRelay.jsonl')) ? givenUp('agingRelay') : []), {
        until: (failures) => failures.length === 2,
        timeoutMs: 20_000,
      });
      offsetMs = 0;
      await dynamodb.send(new PutItemCommand(put('g', agingTable).Put));
      await eventually(async () => (relay.delivered.includes('g') ? true : undefined), { timeoutMs: 20_000 });
    } finally {
      await poller?.stop();
      await relay.close();
    }

    expect(relay.delivered).toEqual(['e', 'g']);
    const tooOld = expect.objectContaining({
      requestContext: expect.objectContaining({ condition: 'RecordAgeExceeded' }),
      DDBStreamBatchInfo: expect.objectContaining({
        batchSize: 1,
        streamArn: expect.stringContaining(`table/${agingTable}/stream/`),
      }),
    });
    expect(givenUp('agingRelay')).toEqual([tooOld, tooOld]);
  }, 60_000);
});
