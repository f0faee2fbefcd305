import { randomUUID } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import { toErrorResponse } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../logger';
import type { Action } from '../permissions';
import type { StackContext } from './state';

/** Headers on every response, success or error (OWASP REST security cheat sheet). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/** What a route's business function returns; the stack serializes it. */
export interface RouteResult {
  statusCode?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type StackRequest = Request<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2 | RouteResult,
  Error,
  StackContext
>;

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function responseHeaders(requestId: string, extra?: Record<string, string>): Record<string, string> {
  return {
    ...extra,
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  };
}

/** The cause of a thrown value, if reading it does not throw too (a thrown value may be anything). */
function causeOf(error: unknown): unknown {
  try {
    return (error as Error | undefined)?.cause;
  } catch {
    return undefined;
  }
}

/**
 * The one error answer: maps any thrown value with `toErrorResponse` of @tenantry/errors (the §8
 * body, `Retry-After` on 429 and 503), logs it (500 at ERROR, 503 at WARN, both with their cause;
 * other refusals at INFO) and adds the security headers. Used by the stack's `onError` and by the
 * route's deadline (a function about to run out of time).
 */
export function errorResponse(error: unknown, requestId: string, operation: string): APIGatewayProxyStructuredResultV2 {
  const mapped = toErrorResponse(error, requestId);
  if (mapped.internal) {
    logger.error('request failed', {
      requestId,
      operation,
      error: error as Error,
      cause: causeOf(error),
    });
  } else if (mapped.unavailable) {
    // Overload or a dependency timing out: WARN with its cause, answered 503 with Retry-After.
    logger.warn('service unavailable', {
      requestId,
      operation,
      code: mapped.body.error.code,
      status: mapped.statusCode,
      retryAfter: mapped.headers['retry-after'],
      error: error as Error,
      cause: causeOf(error),
    });
  } else if (mapped.statusCode >= 400) {
    // A refusal (4xx), whether a Tenantry error or one the mapper translated (the JSON body parser's).
    logger.info('request refused', {
      requestId,
      operation,
      code: mapped.body.error.code,
      status: mapped.statusCode,
    });
  }
  return {
    statusCode: mapped.statusCode,
    headers: responseHeaders(requestId, mapped.headers),
    body: JSON.stringify(mapped.body),
  };
}

export interface HttpResponseOptions {
  operation: string;
  action: Action | undefined;
  /** Status of a success that does not name one (from the operation table, else 200). */
  successStatus: () => number;
}

/**
 * First in every chain: sets up the request state (request id, lower-cased headers, path and query
 * parameters), serializes the result with the security headers, and maps every error ONCE to the
 * §8 body (`toErrorResponse` of @tenantry/errors, with its `Retry-After` header on 429 and 503).
 * An unavailable dependency (timeout, throttling, refused connection) becomes 503
 * SERVICE_UNAVAILABLE, logged at WARN with its cause; other unknown errors a generic 500 INTERNAL,
 * logged at ERROR. Nothing of an error but its code and public message ever reaches the client.
 */
export function httpResponse(
  options: HttpResponseOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const before = (request: StackRequest): void => {
    const { event, context } = request;
    // The Lambda request id: unique per invocation everywhere (serverless-offline gives every event
    // the same requestContext.requestId).
    const requestId = context?.awsRequestId || event?.requestContext?.requestId || randomUUID();
    context.tenantry = {
      requestId,
      operation: options.operation,
      action: options.action,
      headers: lowerCaseHeaders(event?.headers),
      params: { ...(event?.pathParameters as Record<string, string> | undefined) },
      query: { ...(event?.queryStringParameters as Record<string, string> | undefined) },
      body: undefined,
    };
    logger.appendKeys({ requestId, operation: options.operation });
  };

  const after = (request: StackRequest): void => {
    const result = (request.response ?? {}) as RouteResult;
    const requestId = request.context.tenantry?.requestId ?? randomUUID();
    const statusCode = result.statusCode ?? options.successStatus();
    const headers = responseHeaders(requestId, { ...request.context.tenantry?.responseHeaders, ...result.headers });
    if (request.context.tenantry?.replayed) headers['idempotent-replayed'] = 'true';
    const hasBody = result.body !== undefined && statusCode !== 204 && statusCode !== 304;
    if (!hasBody) delete headers['content-type'];
    request.response = { statusCode, headers, body: hasBody ? JSON.stringify(result.body) : '' };
    logger.resetKeys();
  };

  const onError = (request: StackRequest): void => {
    const requestId = request.context?.tenantry?.requestId ?? request.context?.awsRequestId ?? randomUUID();
    const response = errorResponse(request.error, requestId, options.operation);
    response.headers = { ...request.context?.tenantry?.responseHeaders, ...response.headers };
    request.response = response;
    logger.resetKeys();
  };

  return { before, after, onError };
}
