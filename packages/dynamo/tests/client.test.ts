import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forbidScans, ScanForbiddenError } from '../src';

const table = `dynamo-client-test-${Date.now()}`;
const raw = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
forbidScans(raw);
const client = DynamoDBDocumentClient.from(raw);

describe('the scan guard of the DynamoDB client', () => {
  beforeAll(async () => {
    await raw.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await client.send(new PutCommand({ TableName: table, Item: { pk: 'A', sk: '1' } }));
  });

  afterAll(async () => {
    await raw.send(new DeleteTableCommand({ TableName: table }));
  });

  it('fails any Scan before it reaches DynamoDB', async () => {
    await expect(client.send(new ScanCommand({ TableName: table }))).rejects.toBeInstanceOf(ScanForbiddenError);
  });

  it('lets queries through', async () => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'A' },
      }),
    );
    expect(Items).toEqual([{ pk: 'A', sk: '1' }]);
  });
});
