import { Agent } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { localCredentials } from './dynamodb';

/**
 * The answer of one invocation: done, or why not: a function error, or a failed connection
 * (`unreachable`: nothing listens on the port, its service is not running).
 */
export type Invocation = { ok: true } | { ok: false; failure: string; unreachable: boolean };

export interface LocalLambdas {
  /**
   * Invokes once; with `keepWaiting`, a service that is not running (nothing listens on its Lambda
   * port) is waited for, as long as `keepWaiting()` says so, before the function is invoked.
   */
  invoke(port: number, functionName: string, payload: unknown, keepWaiting?: () => boolean): Promise<Invocation>;
  destroy(): void;
}

/** How often a service that is not running is looked for again. */
const UNREACHABLE_POLL_MS = 500;

/**
 * What to say about services that are not running: the first failed connection of a port is said
 * once, with `what` (its function); nothing more until the port was reached again, so a stopped
 * service is one line, not one line per retry (`npm start -- --infra` runs no service).
 */
export function unreachableNotices(log: (line: string) => void) {
  const down = new Set<number>();
  return {
    failed(port: number, what: string, failure: string): void {
      if (down.has(port)) return;
      down.add(port);
      log(`${what}: its service is not running (${failure}); delivering when it starts`);
    },
    reached(port: number): void {
      down.delete(port);
    },
  };
}

/**
 * A connection refused: nothing listens on the port (not a function that failed). Read from the
 * message too: the SDK can re-wrap the network error into a message-only Error (another realm: jest).
 */
const isRefused = (error: { code?: string; message: string }) =>
  error.code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(error.message);

/**
 * Invokes functions through serverless-offline's Lambda API (one client per Lambda port), as the
 * local bus and the local stream pollers do. No keep-alive: serverless-offline closes idle sockets,
 * and a request sent on one it just closed fails with ECONNRESET. `log` hears of a service that is
 * not running once (see {@link unreachableNotices}).
 */
export function localLambdas(region: string, log: (line: string) => void = () => undefined): LocalLambdas {
  const clients = new Map<number, LambdaClient>();
  const notices = unreachableNotices(log);
  const clientOn = (port: number) => {
    let client = clients.get(port);
    if (!client) {
      client = new LambdaClient({
        endpoint: `http://127.0.0.1:${port}`,
        region,
        credentials: localCredentials,
        maxAttempts: 1,
        requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
      });
      clients.set(port, client);
    }
    return client;
  };
  const invokeOnce = async (port: number, functionName: string, payload: unknown): Promise<Invocation> => {
    try {
      const result = await clientOn(port).send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
      notices.reached(port);
      if (!result.FunctionError) return { ok: true };
      const answer = Buffer.from(result.Payload ?? []).toString();
      return { ok: false, failure: `failed: ${answer.slice(0, 300)}`, unreachable: false };
    } catch (error) {
      const { message } = error as Error;
      const unreachable = isRefused(error as Error & { code?: string });
      if (unreachable) notices.failed(port, functionName, message);
      else notices.reached(port);
      return { ok: false, failure: `not delivered: ${message}`, unreachable };
    }
  };
  return {
    async invoke(port, functionName, payload, keepWaiting) {
      for (;;) {
        const invocation = await invokeOnce(port, functionName, payload);
        if (invocation.ok || !invocation.unreachable || !keepWaiting?.()) return invocation;
        await new Promise((resolve) => setTimeout(resolve, UNREACHABLE_POLL_MS));
      }
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
    },
  };
}
