import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A throwaway table on DynamoDB Local (pk/sk and one index gsi1pk/gsi1sk), and a client for it. */
export function scratchTable(name: string) {
  const table = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const raw = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const client = DynamoDBDocumentClient.from(raw);
  const attribute = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });
  return {
    table,
    raw,
    client,
    create: () =>
      raw.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map(attribute),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'gsi1',
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      ),
    drop: () => raw.send(new DeleteTableCommand({ TableName: table })),
  };
}
