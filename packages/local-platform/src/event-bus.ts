import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
}): Promise<LocalEventBus> {
  const lambdas = localLambdas(options.region);
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  /**
   * One delivery, retried like EventBridge retries a target (deployed: `retryPolicy` of the
   * subscription): a function error or a dropped connection is tried again, with backoff, up to
   * DELIVERY_ATTEMPTS times; subscribers are idempotent on the event id.
   */
  const deliver = async (target: EventTarget, event: Record<string, unknown>) => {
    for (let attempt = 1; ; attempt++) {
      const invocation = await lambdas.invoke(target.lambdaPort, target.functionName, event);
      if (invocation.ok) return;
      const { failure } = invocation;
      if (attempt >= DELIVERY_ATTEMPTS || stopping) {
        options.log(`${event['detail-type']} → ${target.functionName} ${failure} (gave up after ${attempt} attempts)`);
        return;
      }
      options.log(`${event['detail-type']} → ${target.functionName} ${failure} (attempt ${attempt}, retrying)`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
  };

  const publish = (entry: PutEventsEntry): string => {
    const id = randomUUID();
    const event = {
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
    for (const target of options.targets) {
      if (busName(target.eventBus) !== busName(entry.EventBusName) || !matchesPattern(target.pattern, event)) continue;
      const delivery = deliver(target, event).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    }
    return id;
  };

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
