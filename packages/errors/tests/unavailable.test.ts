import { describe, expect, it } from '@jest/globals';
import { errorCodes } from '@tenantry/models';
import {
  ConflictError,
  InternalError,
  isDependencyUnavailable,
  RateLimitedError,
  ServiceUnavailableError,
  TenantryError,
  toErrorResponse,
  UnauthenticatedError,
} from '../src/index';

/** An error shaped like an AWS SDK v3 service exception. */
function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name}: rate of requests exceeds the allowed throughput`);
  error.name = name;
  return Object.assign(error, { $fault: 'client', $metadata: { httpStatusCode: status }, ...extra });
}

/** An error shaped like a Node network failure. */
function networkError(code: string, message = `connect ${code} 127.0.0.1:8000`): Error {
  return Object.assign(new Error(message), { code });
}

describe('429 and 503 in the error hierarchy', () => {
  it.each([
    ['RateLimitedError', 429, 'RATE_LIMITED', new RateLimitedError()],
    ['ServiceUnavailableError', 503, 'SERVICE_UNAVAILABLE', new ServiceUnavailableError()],
  ] as const)('%s answers %i %s with a Retry-After header', (_name, status, code, error) => {
    expect(error).toBeInstanceOf(TenantryError);
    expect(errorCodes[code]).toMatchObject({ status, retryAfter: true });
    expect(toErrorResponse(error, 'r1')).toEqual({
      statusCode: status,
      body: { error: { code, message: error.message, requestId: 'r1' } },
      headers: { 'retry-after': '1' },
      internal: false,
      unavailable: status === 503,
    });
  });

  it('rounds Retry-After up to whole seconds, at least one', () => {
    const header = (seconds: number) =>
      toErrorResponse(new ServiceUnavailableError(undefined, { retryAfterSeconds: seconds }), 'r').headers[
        'retry-after'
      ];
    expect([header(0), header(0.2), header(2), header(2.5), header(Number.NaN)]).toEqual(['1', '1', '2', '3', '1']);
    expect(toErrorResponse(new RateLimitedError(undefined, { retryAfterSeconds: 30 }), 'r').headers).toEqual({
      'retry-after': '30',
    });
  });

  it('sends no Retry-After on codes that do not carry one', () => {
    expect(toErrorResponse(new ConflictError(), 'r').headers).toEqual({});
    expect(toErrorResponse(new Error('a bug'), 'r').headers).toEqual({});
  });
});

describe('a dependency that is overloaded, throttling, unreachable or too slow answers 503', () => {
  const unavailable: [string, unknown][] = [
    ['DynamoDB ProvisionedThroughputExceededException', sdkError('ProvisionedThroughputExceededException', 400)],
    ['DynamoDB ThrottlingException', sdkError('ThrottlingException', 400)],
    ['DynamoDB RequestLimitExceeded', sdkError('RequestLimitExceeded', 400)],
    ['an SDK error marked as throttling', sdkError('SomeNewThrottle', 400, { $retryable: { throttling: true } })],
    ['an AWS 503', sdkError('ServiceUnavailable', 503)],
    ['an AWS 500 InternalServerError', sdkError('InternalServerError', 500)],
    ['KMS DependencyTimeoutException', sdkError('DependencyTimeoutException', 503)],
    ['KMS KMSInternalException', sdkError('KMSInternalException', 500)],
    [
      'the SDK request timeout',
      Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }),
    ],
    [
      'a fetch timeout (AbortSignal.timeout)',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    ],
    ['a refused connection', networkError('ECONNREFUSED')],
    ['a reset connection', networkError('ECONNRESET', 'read ECONNRESET')],
    ['a socket hang-up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a socket hang-up without a code', new Error('socket hang up')],
    [
      'a refused connection the SDK re-wrapped into a message',
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:8000'),
    ],
    ['a connect timeout', networkError('ETIMEDOUT')],
    [
      'fetch failed, caused by a refused connection',
      new TypeError('fetch failed', { cause: networkError('ECONNREFUSED') }),
    ],
    [
      "Middy's early timeout",
      Object.assign(new Error('[AbortError]: The operation was aborted.', { cause: { package: '@middy/core' } }), {
        name: 'TimeoutError',
      }),
    ],
    [
      'a wrapped cause two levels down',
      new Error('KMS failed', { cause: new Error('send failed', { cause: sdkError('ThrottlingException', 400) }) }),
    ],
    ['an InternalError caused by a timeout', new InternalError(undefined, { cause: networkError('ETIMEDOUT') })],
  ];

  it.each(unavailable)('%s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
    const mapped = toErrorResponse(error, 'r1');
    expect(mapped).toMatchObject({
      statusCode: 503,
      headers: { 'retry-after': '1' },
      internal: false,
      unavailable: true,
      body: { error: { code: 'SERVICE_UNAVAILABLE', requestId: 'r1' } },
    });
    expect(JSON.stringify(mapped.body)).not.toMatch(/Throttl|ECONN|socket|timed out|Timeout|KMS|Dynamo/);
  });
});

describe('what is not an unavailable dependency keeps its answer', () => {
  it.each([
    ['a plain bug', 500, new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['an AccessDeniedException', 500, sdkError('AccessDeniedException', 400)],
    ['a ValidationException of the SDK', 500, sdkError('ValidationException', 400)],
    ['a ResourceNotFoundException (a missing table)', 500, sdkError('ResourceNotFoundException', 400)],
    ['an InternalError with a bug as cause', 500, new InternalError(undefined, { cause: new Error('unknown plan') })],
    ['a thrown string', 500, 'boom'],
    ['a 401 whose cause was a timeout', 401, new UnauthenticatedError(undefined, { cause: networkError('ETIMEDOUT') })],
    [
      'a 409 whose cause was throttling',
      409,
      new ConflictError(undefined, { cause: sdkError('ThrottlingException', 400) }),
    ],
  ] as const)('%s answers %i', (_name, status, error) => {
    expect(toErrorResponse(error, 'r1').statusCode).toBe(status);
  });

  it('stops at a cause chain that loops', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isDependencyUnavailable(a)).toBe(false);
  });
});
