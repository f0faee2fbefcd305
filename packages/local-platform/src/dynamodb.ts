import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type LogSink, type ManagedProcess, startProcess, waitFor } from './processes';
import type { TableDefinition } from './services';

const require = createRequire(import.meta.url);
const emulatorDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** DynamoDB Local, AWS's own emulator (the jar shipped in amplify-dynamodb-simulator), on 127.0.0.1. */
export async function startDynamoDb(options: {
  port: number;
  dataDir?: string;
  logs: LogSink;
  env: NodeJS.ProcessEnv;
}): Promise<ManagedProcess> {
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  const dynamodb = startProcess(
    'dynamodb',
    'java',
    [
      `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulatorDir, 'DynamoDBLocal.jar'),
      '-port',
      String(options.port),
      ...storage,
      // Without this flag the emulator tries to reach the internet.
      '-disableTelemetry',
    ],
    { cwd: emulatorDir, env: options.env, logs: options.logs },
  );
  const client = dynamoDbClient(options.port);
  await waitFor('DynamoDB Local', async () => Boolean(await client.send(new ListTablesCommand({}))), {
    process: dynamodb,
  });
  client.destroy();
  return dynamodb;
}

export function dynamoDbClient(port: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: localCredentials,
  });
}

/**
 * Creates every table the services declare that does not exist yet, with its TTL and stream settings.
 * npm start keeps its tables between restarts, so a table kept from before its service declared a
 * stream or a global secondary index gets them here (each index added is logged).
 */
export async function ensureTables(
  port: number,
  tables: TableDefinition[],
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const client = dynamoDbClient(port);
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);
    const created: string[] = [];
    for (const table of tables) {
      const name = table.create.TableName!;
      if (!existing.has(name)) {
        await client.send(new CreateTableCommand(table.create));
        created.push(name);
      } else {
        await addMissingStream(client, table);
        await addMissingIndexes(client, table, log);
      }
      if (table.ttlAttribute) {
        const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
        if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
            }),
          );
        }
      }
    }
    return created;
  } finally {
    client.destroy();
  }
}

async function describeTable(client: DynamoDBClient, name: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  return Table;
}

async function addMissingStream(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const { TableName, StreamSpecification } = table.create;
  if (!StreamSpecification) return;
  if ((await describeTable(client, TableName!))?.StreamSpecification?.StreamEnabled) return;
  await client.send(new UpdateTableCommand({ TableName, StreamSpecification }));
}

/** One UpdateTable per index (DynamoDB creates one global secondary index per call), each awaited ACTIVE. */
async function addMissingIndexes(
  client: DynamoDBClient,
  table: TableDefinition,
  log: (line: string) => void,
): Promise<void> {
  const { TableName, AttributeDefinitions, GlobalSecondaryIndexes } = table.create;
  if (!GlobalSecondaryIndexes?.length) return;
  const present = new Set(
    ((await describeTable(client, TableName!))?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName),
  );
  for (const index of GlobalSecondaryIndexes) {
    if (present.has(index.IndexName)) continue;
    const { IndexName, KeySchema, Projection } = index;
    await client.send(
      new UpdateTableCommand({
        TableName,
        AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName, KeySchema, Projection } }],
      }),
    );
    await waitFor(`the index ${IndexName} of ${TableName}`, async () => {
      const described = await describeTable(client, TableName!);
      const status = described?.GlobalSecondaryIndexes?.find((each) => each.IndexName === IndexName)?.IndexStatus;
      return described?.TableStatus === 'ACTIVE' && status === 'ACTIVE';
    });
    log(`added the index ${IndexName} to the existing table ${TableName}`);
  }
}
