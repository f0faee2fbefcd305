import { Agent } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { localCredentials } from './dynamodb';

/** The answer of one invocation: done, or why not (a function error or a failed connection). */
export type Invocation = { ok: true } | { ok: false; failure: string };

export interface LocalLambdas {
  invoke(port: number, functionName: string, payload: unknown): Promise<Invocation>;
  destroy(): void;
}

/**
 * Invokes functions through serverless-offline's Lambda API (one client per Lambda port), as the
 * local bus and the local stream pollers do. No keep-alive: serverless-offline closes idle sockets,
 * and a request sent on one it just closed fails with ECONNRESET.
 */
export function localLambdas(region: string): LocalLambdas {
  const clients = new Map<number, LambdaClient>();
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
  return {
    async invoke(port, functionName, payload) {
      try {
        const result = await clientOn(port).send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(JSON.stringify(payload)),
          }),
        );
        if (!result.FunctionError) return { ok: true };
        return {
          ok: false,
          failure: `failed: ${Buffer.from(result.Payload ?? [])
            .toString()
            .slice(0, 300)}`,
        };
      } catch (error) {
        return { ok: false, failure: `not delivered: ${(error as Error).message}` };
      }
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
    },
  };
}
