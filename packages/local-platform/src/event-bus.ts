import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { retry } from '@tenantry/dynamo/retry';
import { matchesPattern } from './event-pattern';
import { localLambdas } from './lambdas';

/** A function that declared an `eventBridge` event, and the serverless-offline Lambda port that runs it. */
export interface EventTarget {
  functionName: string;
  eventBus: string;
  pattern: Record<string, unknown>;
  lambdaPort: number;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
}

/** EventBridge's bound on one entry: Time (14 bytes when given), Source, DetailType, Detail and Resources in UTF-8. */
const MAX_ENTRY_BYTES = 256 * 1024;

type EntryError = { ErrorCode: string; ErrorMessage: string };

const entrySize = (entry: PutEventsEntry): number =>
  (entry.Time === undefined ? 0 : 14) +
  [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])].reduce(
    (sum, part) => sum + Buffer.byteLength(part ?? ''),
    0,
  );

/**
 * Why EventBridge refuses this entry of a PutEvents (its per-entry `ErrorCode` and `ErrorMessage`),
 * or undefined when it takes it: Source, DetailType and Detail required, Detail a JSON object, the
 * entry within 256 KB. A refused entry never stops the others of the request.
 */
export function entryError(entry: PutEventsEntry): EntryError | undefined {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
  }
  if (entrySize(entry) > MAX_ENTRY_BYTES) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'The entry is larger than 256 KB.' };
  }
  const malformed = { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    return typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? undefined : malformed;
  } catch {
    return malformed;
  }
}

/**
 * The local bus's outage switch (tests and demos of the outbox): `PUT <bus>/_tenantry/outage` with
 * `{ "sources": ["tenantry.organizations"] }` (or no sources: all) makes PutEvents refuse the entries
 * of those sources (`FailedEntryCount`, as EventBridge answers an internal failure); `DELETE` with the
 * same body ends it for those sources (with none: for all). Every answer, and `GET`, also lists the
 * `refused` event ids (the `id` of each refused entry's detail): a test waits until its events were
 * refused before it asserts that they were not delivered.
 */
export const OUTAGE_PATH = '/_tenantry/outage';

export interface LocalEventBus {
  server: Server;
  /** Resolves when every delivery started so far has finished (tests use it to wait for subscribers). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Attempts per delivery (about 15 s in all), as EventBridge retries a failing target. */
const DELIVERY_ATTEMPTS = 10;

const busName = (nameOrArn: string | undefined): string => (nameOrArn ?? 'default').split('/').pop()!;

/**
 * The local stand-in for EventBridge: answers `PutEvents` (awsJson1.1) on 127.0.0.1 and delivers each
 * entry, shaped as EventBridge delivers it, to every target whose bus and pattern match, by invoking
 * the function through serverless-offline's Lambda API — the handler path that runs when deployed.
 */
export async function startEventBus(options: {
  port: number;
  region: string;
  targets: EventTarget[];
  log: (line: string) => void;
  /**
   * Where accepted events wait until every delivery of theirs ended. EventBridge keeps an event it
   * accepted whatever happens to the caller; so does the local bus across a kill: a new bus on the
   * same folder delivers what the old one had not.
   */
  pendingDir: string;
}): Promise<LocalEventBus> {
  const lambdas = localLambdas(options.region, options.log);
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;

  /**
   * One delivery, retried like EventBridge retries a target (deployed: `retryPolicy` of the
   * subscription): a function error or a dropped connection is tried again, with backoff, up to
   * DELIVERY_ATTEMPTS times; subscribers are idempotent on the event id. A service that is not
   * running is waited for (said once), spending no attempt: it gets its events when it starts.
   */
  const deliver = async (target: EventTarget, event: Record<string, unknown>): Promise<'ended' | 'stopped'> => {
    const what = `${event['detail-type']} → ${target.functionName}`;
    try {
      await retry(
        async () => {
          const invocation = await lambdas.invoke(target.lambdaPort, target.functionName, event, () => !stopping);
          if (!invocation.ok) throw new Error(invocation.failure);
        },
        {
          attempts: DELIVERY_ATTEMPTS,
          baseDelayMs: 200,
          maxDelayMs: 2000,
          // Stopping: the event stays pending for the next bus on this folder.
          retryable: () => !stopping,
          onRetry: (error, attempt) =>
            options.log(`${what} ${(error as Error).message} (attempt ${attempt}, retrying)`),
        },
      );
      return 'ended';
    } catch (error) {
      if (stopping) return 'stopped';
      options.log(`${what} ${((error as Error).cause as Error).message} (gave up after ${DELIVERY_ATTEMPTS} attempts)`);
      return 'ended';
    }
  };

  type BusEvent = { id: string; 'detail-type'?: string; source?: string; detail: unknown } & Record<string, unknown>;

  /** Delivers to every matching target; the event's file is removed once every delivery ended. */
  const dispatch = (event: BusEvent, eventBusName: string | undefined) => {
    const deliveries = options.targets
      .filter((target) => busName(target.eventBus) === busName(eventBusName) && matchesPattern(target.pattern, event))
      .map((target) => {
        const delivery = deliver(target, event).finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
        return delivery;
      });
    const file = join(options.pendingDir, `${event.id}.json`);
    const done = Promise.all(deliveries).then((ends) => {
      if (!ends.includes('stopped')) rmSync(file, { force: true });
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const publish = (entry: PutEventsEntry): string => {
    const id = randomUUID();
    const event: BusEvent = {
      version: '0',
      id,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: new Date(
        entry.Time ? (Number.isNaN(Number(entry.Time)) ? String(entry.Time) : Number(entry.Time) * 1000) : Date.now(),
      ).toISOString(),
      region: options.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail as string),
    };
    // Kept before it is acknowledged: once PutEvents answers, the sender may forget it.
    writeFileSync(join(options.pendingDir, `${id}.json`), JSON.stringify({ event, eventBusName: entry.EventBusName }));
    dispatch(event, entry.EventBusName);
    return id;
  };

  // What a previous bus on this folder accepted and had not delivered when it stopped or was killed.
  mkdirSync(options.pendingDir, { recursive: true });
  for (const name of readdirSync(options.pendingDir).filter((file) => file.endsWith('.json'))) {
    try {
      const { event, eventBusName } = JSON.parse(readFileSync(join(options.pendingDir, name), 'utf8')) as {
        event: BusEvent;
        eventBusName?: string;
      };
      options.log(`${event['detail-type']} accepted before a restart: delivering it now`);
      dispatch(event, eventBusName);
    } catch {
      // A file cut off by the kill while it was written: its PutEvents was never acknowledged.
      rmSync(join(options.pendingDir, name), { force: true });
    }
  }

  /** Sources whose entries are refused; `'all'` refuses every entry. */
  let outage: Set<string> | 'all' | undefined;
  const refused = (entry: PutEventsEntry) => outage === 'all' || outage?.has(entry.Source ?? '') === true;
  const refusedIds = new Set<string>();
  const refuse = (entry: PutEventsEntry) => {
    const id = (JSON.parse(entry.Detail ?? '{}') as { id?: unknown }).id;
    if (typeof id === 'string') refusedIds.add(id);
    return { ErrorCode: 'InternalFailure', ErrorMessage: 'the local bus is in an outage' };
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.url === OUTAGE_PATH) {
        const { sources = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { sources?: string[] };
        if (request.method !== 'GET') {
          if (request.method === 'DELETE') {
            // The sources named recover (each test ends its own outage); none named: every source.
            if (sources.length === 0 || outage === 'all') outage = undefined;
            else {
              for (const source of sources) outage?.delete(source);
              if (outage?.size === 0) outage = undefined;
            }
          } else if (sources.length === 0) outage = 'all';
          else if (outage !== 'all') outage = new Set([...(outage ?? []), ...sources]);
          options.log(
            outage ? `outage: refusing ${outage === 'all' ? 'every source' : [...outage].join(', ')}` : 'no outage',
          );
        }
        return reply(200, {
          outage: outage === undefined ? null : outage === 'all' ? 'all' : [...outage],
          refused: [...refusedIds],
        });
      }
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: 'the local bus answers PutEvents only' });
      }
      try {
        const { Entries = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Entries?: PutEventsEntry[] };
        // Each entry is answered on its own, in request order: a refused one never stops the others.
        const answers = Entries.map((entry) => {
          const error = entryError(entry) ?? (refused(entry) ? refuse(entry) : undefined);
          return error ?? { EventId: publish(entry) };
        });
        reply(200, { FailedEntryCount: answers.filter((answer) => 'ErrorCode' in answer).length, Entries: answers });
      } catch (error) {
        reply(400, { __type: 'ValidationException', message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  return {
    server,
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async stop() {
      stopping = true;
      await Promise.all([...inFlight]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      lambdas.destroy();
    },
  };
}
