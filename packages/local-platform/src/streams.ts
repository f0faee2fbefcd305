import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { retry } from '@tenantry/dynamo/retry';
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
  /** A failing batch of several records is split in two halves, delivered in order. */
  bisectBatchOnFunctionError: boolean;
  /** Retries of a failing batch (that is not split) before it goes to the on-failure destination; -1: no bound. */
  maximumRetryAttempts: number;
  /** A record older than this goes to the on-failure destination instead of the function; -1: no bound. */
  maximumRecordAgeInSeconds: number;
}

export interface LocalStreams {
  stop(): Promise<void>;
}

const IDLE_POLL_MS = 250;
/** A failing batch is invoked again after 100 ms, doubling up to 1 s (the second half of each wait random). */
const RETRY_BASE_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 1000;

/** A stream record as the function gets it: with the stream it comes from. */
type ShardRecord = StreamRecord & { eventSourceARN?: string };

/** Why a batch was not delivered: the function failed (a poller that stops is no failure). */
class FunctionFailedError extends Error {
  override readonly name = 'FunctionFailedError';
}

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
 * Lambda API — the handler that runs deployed. A failing batch is handled as the target's `stream`
 * event says, like Lambda: split in two halves (`bisectBatchOnFunctionError`), a batch of one (or
 * any, unsplit) retried `maximumRetryAttempts` times (waits of 100 ms doubling to 1 s), then
 * described in the on-failure file `<failuresDir>/<function>.jsonl` (deployed: the SQS queue of
 * `destinations.onFailure`) and passed, so one poison record never blocks its shard. Records older
 * than `maximumRecordAgeInSeconds` (by their ApproximateCreationDateTime) are described there too
 * instead of being invoked or retried again. A shard's order is kept. A service that is not running is
 * waited for (said once), spending no retry.
 */
export async function startStreamPoller(options: {
  dynamodbPort: number;
  region: string;
  targets: StreamTarget[];
  log: (line: string) => void;
  /** Where the descriptions of batches given up on are appended, one JSON line each. */
  failuresDir: string;
  /** The clock records' ages are measured with (default Date.now). */
  now?: () => number;
}): Promise<LocalStreams> {
  const now = options.now ?? Date.now;
  const endpoint = `http://127.0.0.1:${options.dynamodbPort}`;
  const dynamodb = dynamoDbClient(options.dynamodbPort);
  const streams = new DynamoDBStreamsClient({ endpoint, region: options.region, credentials: localCredentials });
  const lambdas = localLambdas(options.region, options.log);
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

  /**
   * What Lambda sends to an on-failure destination for a DynamoDB stream batch it gave up on (the
   * records are described, not copied), appended to the target's on-failure file.
   */
  function sendToOnFailure(
    target: StreamTarget,
    shardId: string,
    records: ShardRecord[],
    givenUp: { condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'; invocations: number; failure?: string },
  ) {
    const arrivals = records.map((record) => record.dynamodb?.ApproximateCreationDateTime);
    const description = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        functionArn: `arn:aws:lambda:${options.region}:000000000000:function:${target.functionName}`,
        condition: givenUp.condition,
        approximateInvokeCount: givenUp.invocations,
      },
      responseContext: { functionError: 'Unhandled', failure: givenUp.failure },
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: records[0]?.dynamodb?.SequenceNumber,
        endSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber,
        approximateArrivalOfFirstRecord: arrivals[0],
        approximateArrivalOfLastRecord: arrivals.at(-1),
        batchSize: records.length,
        streamArn: records[0]?.eventSourceARN,
      },
    };
    mkdirSync(options.failuresDir, { recursive: true });
    const file = join(options.failuresDir, `${target.functionName}.jsonl`);
    appendFileSync(file, `${JSON.stringify(description)}\n`);
    options.log(
      `${target.functionName} gave up on ${records.length} record(s) of shard ${shardId} (${givenUp.condition}): described in ${file}`,
    );
  }

  /**
   * Whether the record is older than the target's maximumRecordAgeInSeconds. DynamoDB Local rounds
   * ApproximateCreationDateTime down to the minute (DynamoDB: to the second), so locally a record may
   * count up to a minute older than it is.
   */
  const tooOld = (target: StreamTarget, record: ShardRecord) => {
    const created = record.dynamodb?.ApproximateCreationDateTime;
    return (
      target.maximumRecordAgeInSeconds >= 0 &&
      created !== undefined &&
      now() - new Date(created).getTime() > target.maximumRecordAgeInSeconds * 1000
    );
  };

  /**
   * Delivers `records` of one shard as Lambda's stream event source does (see
   * {@link startStreamPoller}); answers once they were delivered or passed to the on-failure
   * destination, or when the poller stops (`false`: deliver them again from there).
   */
  async function deliver(target: StreamTarget, shardId: string, batch: ShardRecord[]): Promise<boolean> {
    // Records are in stream order, so the records too old are the first ones.
    const fresh = batch.findIndex((record) => !tooOld(target, record));
    const records = fresh < 0 ? [] : batch.slice(fresh);
    if (records.length < batch.length) {
      const expired = batch.slice(0, batch.length - records.length);
      sendToOnFailure(target, shardId, expired, { condition: 'RecordAgeExceeded', invocations: 0 });
    }
    if (records.length === 0) return true;
    const split = target.bisectBatchOnFunctionError && records.length > 1;
    const retries = target.maximumRetryAttempts < 0 ? Number.POSITIVE_INFINITY : target.maximumRetryAttempts;
    let invocations = 0;
    try {
      await retry(
        async () => {
          const payload = { Records: records };
          invocations += 1;
          const invocation = await lambdas.invoke(target.lambdaPort, target.functionName, payload, () => !stopped);
          if (!invocation.ok) throw new FunctionFailedError(invocation.failure);
        },
        {
          attempts: split ? 1 : retries + 1,
          baseDelayMs: RETRY_BASE_DELAY_MS,
          maxDelayMs: MAX_RETRY_DELAY_MS,
          sleep,
          retryable: () => !stopped && !tooOld(target, records[0]!),
          onRetry: (error, attempt) =>
            options.log(`${target.functionName} ${(error as Error).message} (attempt ${attempt}, retrying)`),
        },
      );
      return true;
    } catch (error) {
      if (stopped) return false;
      // Records that grew too old while retried: passed to the on-failure destination, the rest delivered.
      if (tooOld(target, records[0]!)) return deliver(target, shardId, records);
      if (!split) {
        const failure = ((error as Error).cause as Error | undefined)?.message;
        sendToOnFailure(target, shardId, records, { condition: 'RetryAttemptsExhausted', invocations, failure });
        return true;
      }
      const half = Math.ceil(records.length / 2);
      options.log(`${target.functionName} failed on ${records.length} records: splitting the batch`);
      return (await deliver(target, shardId, records.slice(0, half))) && deliver(target, shardId, records.slice(half));
    }
  }

  const getRecords = (iterator: string, limit: number) =>
    streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));

  async function follow(target: StreamTarget): Promise<void> {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: target.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${target.tableName} has no stream (StreamSpecification)`);
    const shards = new Map<string, Shard>();
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
        if (matching.length > 0 && !(await deliver(target, shard.id, matching))) return;
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
