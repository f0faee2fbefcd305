// npm start keeps its tables between restarts: a table kept from before its serverless.yml declared
// a global secondary index must gain the index on the next start (ensureTables), or every query of
// that index fails. Against the test platform's DynamoDB Local.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ensureTables, localCredentials } from '../src/dynamodb';
import type { TableDefinition } from '../src/services';
import { platformVariable } from '../src/testing';
import { scratchTable } from './scratch-table';

const endpoint = platformVariable('DYNAMODB_ENDPOINT');
const port = Number(new URL(endpoint).port);
const dynamodb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
const name = `tenantry-test-indexes-${randomUUID()}`;

/** The table as a serverless.yml declares it now: the scratch table with a sparse index on `expiresOn`. */
function withIndex(): TableDefinition {
  const table = scratchTable(name);
  return {
    create: {
      ...table,
      AttributeDefinitions: [...(table.AttributeDefinitions ?? []), { AttributeName: 'expiresOn', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'expiring',
          KeySchema: [
            { AttributeName: 'expiresOn', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
  };
}

const indexesOf = async () =>
  (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes?.map(
    ({ IndexName, IndexStatus }) => ({ IndexName, IndexStatus }),
  ) ?? [];

afterAll(async () => {
  await dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  dynamodb.destroy();
});

describe('ensureTables on a table kept from an earlier start', () => {
  it('adds the global secondary index the definition has and the table lacks, logging it once', async () => {
    expect(await ensureTables(port, [{ create: scratchTable(name) }])).toEqual([name]);
    expect(await indexesOf()).toEqual([]);

    const logged: string[] = [];
    expect(await ensureTables(port, [withIndex()], (line) => logged.push(line))).toEqual([]);
    expect(await indexesOf()).toEqual([{ IndexName: 'expiring', IndexStatus: 'ACTIVE' }]);
    expect(logged).toEqual([`added the index expiring to the existing table ${name}`]);

    const again: string[] = [];
    await ensureTables(port, [withIndex()], (line) => again.push(line));
    expect(again).toEqual([]);
    // DynamoDB Local builds the index in the background: on a loaded machine, tens of seconds. The
    // test outlasts ensureTables' own bound (120 s), so a slow build fails there, naming the index.
  }, 150_000);
});
