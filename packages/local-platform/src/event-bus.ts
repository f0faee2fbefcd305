import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { localCredentials } from './dynamodb';
import { matchesPattern } from './event-pattern';

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

export interface LocalEventBus {
  server: Server;
  /** Resolves when every delivery started so far has finished (tests use it to wait for subscribers). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

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
  const lambdas = new Map<number, LambdaClient>();
  const lambdaOn = (port: number) => {
    let client = lambdas.get(port);
    if (!client) {
      client = new LambdaClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: options.region,
        credentials: localCredentials,
        maxAttempts: 1,
      });
      lambdas.set(port, client);
    }
    return client;
  };
  const inFlight = new Set<Promise<void>>();

  const deliver = async (target: EventTarget, event: Record<string, unknown>) => {
    try {
      const result = await lambdaOn(target.lambdaPort).send(
        new InvokeCommand({
          FunctionName: target.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
      if (result.FunctionError) {
        options.log(
          `${event['detail-type']} → ${target.functionName} failed: ${Buffer.from(result.Payload ?? []).toString()}`,
        );
      }
    } catch (error) {
      options.log(`${event['detail-type']} → ${target.functionName} not delivered: ${(error as Error).message}`);
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

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: 'the local bus answers PutEvents only' });
      }
      try {
        const { Entries = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Entries?: PutEventsEntry[] };
        reply(200, { FailedEntryCount: 0, Entries: Entries.map((entry) => ({ EventId: publish(entry) })) });
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
      await Promise.all([...inFlight]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of lambdas.values()) client.destroy();
    },
  };
}
