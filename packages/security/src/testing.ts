/**
 * Test helpers for handlers built with `route`/`publicRoute` (`@tenantry/security/testing`):
 * an API Gateway HTTP API (v2) event, a Lambda context, and a call that parses the JSON answer.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { CounterStore } from './rate-limit';
import type { LambdaHandler } from './route';

export interface HttpEventOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (with `content-type: application/json` unless a content type is given). */
  body?: unknown;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** Shorthand for `authorization: Bearer <token>`. */
  token?: string;
  /** Shorthand for `x-api-key`. */
  apiKey?: string;
  requestId?: string;
}

export function httpEvent(options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  let body: string | undefined;
  if (typeof options.body === 'string') body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const requestId = options.requestId ?? randomUUID();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

export function lambdaContext(awsRequestId: string = randomUUID()): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface CallResult<T = unknown> {
  statusCode: number;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when empty). */
  body: T;
}

/** Invokes a handler with an event built from `options` and parses its answer. */
export async function call<T = unknown>(
  handler: LambdaHandler,
  options: HttpEventOptions = {},
): Promise<CallResult<T>> {
  const event = httpEvent(options);
  const result = await handler(event, lambdaContext(event.requestContext.requestId));
  const raw = typeof result.body === 'string' ? result.body : '';
  return {
    statusCode: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: (raw ? JSON.parse(raw) : undefined) as T,
  };
}

/**
 * Rate-limit counters in memory, for tests that run routes in-process with stand-ins for every other
 * dependency (`configureSecurity({ rateLimitStore: memoryCounterStore() })`): the same conditional
 * increment as the DynamoDB store, per key (so per window), without DynamoDB.
 */
export function memoryCounterStore(): CounterStore & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    async increment(key, ceiling) {
      const count = counts.get(key) ?? 0;
      if (count >= ceiling) return undefined;
      counts.set(key, count + 1);
      return count + 1;
    },
    async decrement(key) {
      const count = counts.get(key) ?? 0;
      if (count > 0) counts.set(key, count - 1);
    },
  };
}
