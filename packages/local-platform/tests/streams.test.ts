// The local stand-in for Lambda's DynamoDB Streams event source, on its own against DynamoDB Local:
// a table of this test with a stream, and a tiny HTTP server answering serverless-offline's Lambda
// Invoke route in place of the function. One record is poison: its function fails whenever it is
// in the batch. As Lambda does with bisectBatchOnFunctionError and maximumRetryAttempts, the batch is
// split until the poison is alone, retried, then described to the on-failure destination, and every
// other record — those written after it too — is delivered once, in order.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const failuresDir = mkdtempSync(join(tmpdir(), 'tenantry-stream-failures-'));
const dynamodb = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'us-east-1',
  credentials: localCredentials,
});

interface Invoked {
  Records: Array<{ dynamodb: { Keys: { pk: { S: string } }; SequenceNumber: string } }>;
}

/** The function: fails any batch holding the poison record; records the keys of each batch it took. */
async function relayStandIn(): Promise<{ port: number; delivered: string[]; close: () => Promise<void> }> {
  const delivered: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const keys = (JSON.parse(body) as Invoked).Records.map((record) => record.dynamodb.Keys.pk.S);
      if (keys.includes('poison')) {
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
  return { port, delivered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const put = (pk: string) => ({ Put: { TableName: table, Item: { pk: { S: pk }, sk: { S: 'ITEM' } } } });

beforeAll(async () => {
  await dynamodb.send(new CreateTableCommand(scratchTable(table, true)));
}, 30_000);

afterAll(async () => {
  await dynamodb.send(new DeleteTableCommand({ TableName: table }));
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
    const failures = readFileSync(join(failuresDir, 'relayOutbox.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
    expect(failures).toEqual([
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
});
