import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '@tenantry/config';

let shared: DynamoDBDocumentClient | undefined;

/** Thrown by the client when `TENANTRY_FORBID_SCAN` is set (tests): request paths never scan. */
export class ScanForbiddenError extends Error {
  constructor(table: string | undefined) {
    super(`Scan of ${table ?? 'a table'} attempted: request paths must query keys or indexes`);
    this.name = 'ScanForbiddenError';
  }
}

/**
 * The document client of this process, created once and reused across invocations (never per
 * request). Bounded: 1 s to connect (`DYNAMODB_CONNECTION_TIMEOUT_MS`), 3 s of silence per attempt
 * (`DYNAMODB_SOCKET_TIMEOUT_MS`), 3 attempts. `DYNAMODB_ENDPOINT` points it at DynamoDB Local; deployed, it is unset and the SDK uses
 * the region.
 */
export function documentClient(): DynamoDBDocumentClient {
  if (!shared) {
    const endpoint = config.DYNAMODB_ENDPOINT;
    const client = new DynamoDBClient({
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: 3,
      // A paused or overloaded DynamoDB fails fast as a TimeoutError (→ 503 with Retry-After) instead
      // of hanging until the function times out.
      requestHandler: {
        connectionTimeout: config.DYNAMODB_CONNECTION_TIMEOUT_MS,
        socketTimeout: config.DYNAMODB_SOCKET_TIMEOUT_MS,
      },
    });
    if (config.TENANTRY_FORBID_SCAN) forbidScans(client);
    shared = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return shared;
}

/** The test hook: any Scan through this client fails before it reaches DynamoDB. */
export function forbidScans(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ScanCommand') {
        throw new ScanForbiddenError((args.input as { TableName?: string }).TableName);
      }
      return next(args);
    },
    { step: 'initialize', name: 'tenantryForbidScan' },
  );
}
