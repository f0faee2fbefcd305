import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
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

/**
 * The local bus's outage switch (tests and demos of the outbox): `PUT <bus>/_tenantry/outage` with
 * `{ "sources": ["tenantry.organizations"] }` (or no sources: all) makes PutEvents refuse the entries
 * of those sources (`FailedEntryCount`, as EventBridge answers an internal failure); `DELETE` with the
 * same body ends it for those sources (with none: for all).
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
  const lambdas = localLambdas(options.region);
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;

  /**
   * One delivery, retried like EventBridge retries a target (deployed: `retryPolicy` of the
   * subscription): a function error or a dropped connection is tried again, with backoff, up to
   * DELIVERY_ATTEMPTS times; subscribers are idempotent on the event id.
   */
  const deliver = async (target: EventTarget, event: Record<string, unknown>): Promise<'ended' | 'stopped'> => {
    for (let attempt = 1; ; attempt++) {
      const invocation = await lambdas.invoke(target.lambdaPort, target.functionName, event);
      if (invocation.ok) return 'ended';
      const { failure } = invocation;
      // Stopping: the event stays pending for the next bus on this folder.
      if (stopping) return 'stopped';
      if (attempt >= DELIVERY_ATTEMPTS) {
        options.log(`${event['detail-type']} → ${target.functionName} ${failure} (gave up after ${attempt} attempts)`);
        return 'ended';
      }
      options.log(`${event['detail-type']} → ${target.functionName} ${failure} (attempt ${attempt}, retrying)`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
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
      detail: JSON.parse(entry.Detail ?? '{}'),
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
        return reply(200, { outage: outage === undefined ? null : outage === 'all' ? 'all' : [...outage] });
      }
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: 'the local bus answers PutEvents only' });
      }
      try {
        const { Entries = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Entries?: PutEventsEntry[] };
        const answers = Entries.map((entry) =>
          refused(entry)
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'the local bus is in an outage' }
            : { EventId: publish(entry) },
        );
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
