import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { dynamoDbClient, localCredentials } from './dynamodb';
import { matchesPattern } from './event-pattern';
import { localLambdas } from './lambdas';

/** A function that declared a `stream` event on a table, and the serverless-offline Lambda port that runs it. */
export interface StreamTarget {
  functionName: string;
  tableName: string;
  lambdaPort: number;
  batchSize: number;
  /** Lambda's event filtering: a record is delivered when it matches any of them (or there are none). */
  filterPatterns: Array<Record<string, unknown>>;
}

export interface LocalStreams {
  stop(): Promise<void>;
}

const IDLE_POLL_MS = 250;
const MAX_RETRY_DELAY_MS = 1000;

interface Shard {
  id: string;
  parentId?: string;
  iterator?: string;
  /** The last sequence number delivered (or skipped by the filter): where a retry starts again. */
  after?: string;
  done: boolean;
}

/**
 * The local stand-in for Lambda's DynamoDB Streams event source: for each target it reads the stream
 * of DynamoDB Local (DescribeStream, GetShardIterator from TRIM_HORIZON, GetRecords), keeps the
 * records its filter patterns match, and invokes the function with them through serverless-offline's
 * Lambda API — the handler that runs deployed. A failed invocation is retried with the same records
 * (backoff up to 1 s) until it succeeds: records are never skipped, and a shard's order is kept.
 * Deployed, Lambda bounds the retries and bisects the batch instead (serverless.yml).
 */
export async function startStreamPoller(options: {
  dynamodbPort: number;
  region: string;
  targets: StreamTarget[];
  log: (line: string) => void;
}): Promise<LocalStreams> {
  const endpoint = `http://127.0.0.1:${options.dynamodbPort}`;
  const dynamodb = dynamoDbClient(options.dynamodbPort);
  const streams = new DynamoDBStreamsClient({ endpoint, region: options.region, credentials: localCredentials });
  const lambdas = localLambdas(options.region);
  let stopped = false;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  async function invoke(target: StreamTarget, records: StreamRecord[]): Promise<boolean> {
    const invocation = await lambdas.invoke(target.lambdaPort, target.functionName, { Records: records });
    if (!invocation.ok) options.log(`${target.functionName} ${invocation.failure}`);
    return invocation.ok;
  }

  const getRecords = (iterator: string, limit: number) =>
    streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));

  async function follow(target: StreamTarget): Promise<void> {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: target.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${target.tableName} has no stream (StreamSpecification)`);
    const shards = new Map<string, Shard>();
    let retryDelay = 0;
    let describedAt = 0;

    while (!stopped) {
      // New shards appear as old ones close; look again every second, or at once when one closed.
      if (Date.now() - describedAt > 1000 || [...shards.values()].some((shard) => shard.done && !shard.iterator)) {
        const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        for (const shard of StreamDescription?.Shards ?? []) {
          if (shard.ShardId && !shards.has(shard.ShardId)) {
            shards.set(shard.ShardId, {
              id: shard.ShardId,
              ...(shard.ParentShardId ? { parentId: shard.ParentShardId } : {}),
              done: false,
            });
          }
        }
        describedAt = Date.now();
      }
      let delivered = false;
      for (const shard of shards.values()) {
        if (stopped || shard.done) continue;
        // A child shard waits for its parent: records of one key stay in order.
        const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
        if (parent && !parent.done) continue;
        shard.iterator ??= (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shard.id,
              ...(shard.after
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.after }
                : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
        if (!shard.iterator) {
          shard.done = true;
          continue;
        }
        let page: Awaited<ReturnType<typeof getRecords>>;
        try {
          page = await getRecords(shard.iterator, target.batchSize);
        } catch (error) {
          // DynamoDB Local may refuse an iterator it handed out ("read past the oldest stream
          // record"): take a new one from the same position.
          if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
          shard.iterator = undefined;
          continue;
        }
        const records = (page.Records ?? []).map((record) => ({
          ...record,
          eventSourceARN: streamArn,
          awsRegion: options.region,
        }));
        const matching = records.filter(
          (record) =>
            target.filterPatterns.length === 0 ||
            target.filterPatterns.some((pattern) => matchesPattern(pattern, record as Record<string, unknown>)),
        );
        if (matching.length > 0 && !(await invoke(target, matching))) {
          // Same records again: a new iterator from the last delivered position.
          shard.iterator = undefined;
          retryDelay = Math.min(MAX_RETRY_DELAY_MS, Math.max(50, retryDelay * 2));
          await sleep(retryDelay);
          delivered = true;
          continue;
        }
        retryDelay = 0;
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) shard.after = last;
        if (records.length > 0) delivered = true;
        shard.iterator = page.NextShardIterator;
        if (!shard.iterator) shard.done = true;
      }
      if (!delivered) await sleep(IDLE_POLL_MS);
    }
  }

  const loops = options.targets.map((target) =>
    (async () => {
      while (!stopped) {
        try {
          await follow(target);
        } catch (error) {
          if (stopped) return;
          options.log(`stream of ${target.tableName}: ${(error as Error).message}; following it again`);
          await sleep(MAX_RETRY_DELAY_MS);
        }
      }
    })(),
  );

  return {
    async stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
      dynamodb.destroy();
      streams.destroy();
      lambdas.destroy();
    },
  };
}
