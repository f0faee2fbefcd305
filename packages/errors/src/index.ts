/**
 * The one error hierarchy of Tenantry (contract §8). Domain code throws these; the shared middleware of
 * `@tenantry/security` maps them to HTTP exactly once:
 * `{ "error": { "code", "message", "requestId", "details"? } }`.
 *
 * Messages are written for API clients: they must never contain a stack, an AWS error text, a token
 * or anything about another tenant. Put the technical detail in `cause`; it is logged, never sent.
 *
 * @example
 * ```ts
 * import { ConflictError, NotFoundError } from '@tenantry/errors';
 * if (!item) throw new NotFoundError();
 * throw new ConflictError('An organization with this slug already exists', { cause: err });
 * ```
 */

import type { ErrorCode, ErrorResponse, FieldError } from '@tenantry/models';

export type { ErrorCode, ErrorResponse, FieldError };

export interface TenantryErrorOptions {
  /** The technical cause: logged with the error, never sent to the client. */
  cause?: unknown;
}

export interface RetryAfterOptions extends TenantryErrorOptions {
  /** Seconds the client should wait before retrying (the `Retry-After` header; at least 1). */
  retryAfterSeconds?: number;
}

/** The base of every Tenantry error: an API code, its HTTP status and a client-safe message. */
export abstract class TenantryError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly statusCode: number;
  /** Seconds for the `Retry-After` header, on the codes that carry one (429, 503). */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: TenantryErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** The response body of contract §8; subclasses with more to say (details) override it. */
  toBody(requestId: string): ErrorResponse {
    return { error: { code: this.code, message: this.message, requestId } };
  }
}

/** Bounds of `details` in the contract (`ErrorResponse` of schemas/common.yaml): items, characters. */
export const MAX_DETAILS = 100;
export const MAX_DETAIL_LENGTH = 300;

/** Characters the contract's FieldError refuses (control characters but tab, LF and CR). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes.
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;

/** A field or message within the contract: no control character, at most 300 characters (code points). */
function bounded(text: string): string {
  const clean = String(text).replace(CONTROL, '\uFFFD');
  const points = Array.from(clean);
  return points.length <= MAX_DETAIL_LENGTH ? clean : `${points.slice(0, MAX_DETAIL_LENGTH - 1).join('')}…`;
}

/**
 * Details within the contract however bad the request: at most 100 (the last one saying how many
 * more there were), each field and message bounded by {@link bounded}.
 */
function boundedDetails(details: FieldError[]): FieldError[] {
  const shown =
    details.length <= MAX_DETAILS
      ? details
      : [
          ...details.slice(0, MAX_DETAILS - 1),
          { field: '/', message: `and ${details.length - (MAX_DETAILS - 1)} more errors` },
        ];
  return shown.map(({ field, message }) => ({ field: bounded(field), message: bounded(message) }));
}

/**
 * 400: the request does not match its schema (unknown fields included). `details` are bounded here,
 * for every producer of them: at most {@link MAX_DETAILS}, fields and messages of at most
 * {@link MAX_DETAIL_LENGTH} characters.
 */
export class ValidationFailedError extends TenantryError {
  readonly code = 'VALIDATION_FAILED';
  readonly statusCode = 400;
  readonly details: FieldError[];

  constructor(details: FieldError[], message = 'The request is not valid', options?: TenantryErrorOptions) {
    super(message, options);
    this.details = boundedDetails(details);
  }

  override toBody(requestId: string): ErrorResponse {
    return { error: { code: this.code, message: this.message, requestId, details: this.details } };
  }
}

/** 401: no principal, or its credential does not verify. Deliberately says nothing about why. */
export class UnauthenticatedError extends TenantryError {
  readonly code = 'UNAUTHENTICATED';
  readonly statusCode = 401;
  constructor(message = 'Authentication is required', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 403: the principal is known and may see the resource, but may not perform this action. */
export class ForbiddenError extends TenantryError {
  readonly code = 'FORBIDDEN';
  readonly statusCode = 403;
  constructor(message = 'You are not allowed to perform this action', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 403: the organization's plan limit is reached (contract §4). */
export class PlanLimitReachedError extends TenantryError {
  readonly code = 'PLAN_LIMIT_REACHED';
  readonly statusCode = 403;
  constructor(message = 'The plan limit of this organization is reached', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 403: a write to a SUSPENDED organization (contract §4). */
export class OrganizationSuspendedError extends TenantryError {
  readonly code = 'ORGANIZATION_SUSPENDED';
  readonly statusCode = 403;
  constructor(message = 'The organization is suspended', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 404: missing, or not visible to this principal; the two must be indistinguishable. */
export class NotFoundError extends TenantryError {
  readonly code = 'NOT_FOUND';
  readonly statusCode = 404;
  constructor(message = 'The resource does not exist', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends TenantryError {
  readonly code = 'CONFLICT';
  readonly statusCode = 409;
  constructor(message = 'The request conflicts with the current state', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 409: an `Idempotency-Key` reused with a different request. */
export class IdempotencyKeyReusedError extends TenantryError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly statusCode = 409;
  constructor(
    message = 'This Idempotency-Key was already used with a different request',
    options?: TenantryErrorOptions,
  ) {
    super(message, options);
  }
}

/** 413: the body is larger than the limit (16 KiB). */
export class PayloadTooLargeError extends TenantryError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly statusCode = 413;
  constructor(message = 'The request body is too large', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 415: a body that is not JSON. */
export class UnsupportedMediaTypeError extends TenantryError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly statusCode = 415;
  constructor(message = 'The request body must be application/json', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 429: above a rate limit; nothing was executed. Answered with `Retry-After`. */
export class RateLimitedError extends TenantryError {
  readonly code = 'RATE_LIMITED';
  readonly statusCode = 429;
  override readonly retryAfterSeconds: number;
  constructor(message = 'Too many requests; retry after the Retry-After delay', options?: RetryAfterOptions) {
    super(message, options);
    this.retryAfterSeconds = wholeSeconds(options?.retryAfterSeconds ?? 1);
  }
}

/**
 * 503: overloaded, or a dependency (the JWKS, DynamoDB, KMS, the event bus) timed out or throttled.
 * Answered with `Retry-After`; never a 401 for valid credentials, never a 500. Log the cause at WARN.
 */
export class ServiceUnavailableError extends TenantryError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number;
  constructor(message = 'The service is busy; retry after the Retry-After delay', options?: RetryAfterOptions) {
    super(message, options);
    this.retryAfterSeconds = wholeSeconds(options?.retryAfterSeconds ?? 1);
  }
}

function wholeSeconds(seconds: number): number {
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1;
}

/** 500: anything unexpected. The message is always generic; the cause is logged. */
export class InternalError extends TenantryError {
  readonly code = 'INTERNAL';
  readonly statusCode = 500;
  constructor(message = 'An internal error occurred', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** True for every error of this hierarchy (also across duplicated module copies). */
export function isTenantryError(error: unknown): error is TenantryError {
  return (
    error instanceof TenantryError ||
    (error instanceof Error &&
      typeof (error as Partial<TenantryError>).code === 'string' &&
      typeof (error as Partial<TenantryError>).statusCode === 'number' &&
      typeof (error as Partial<TenantryError>).toBody === 'function')
  );
}

/** Error names of timeouts, throttling and unavailability (AWS SDK v3 exceptions, fetch, Node). */
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

/** Node and undici error codes of a connection that failed, was refused, reset or timed out. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

/** A hang-up, or a network error code of the list above named in an error's message. */
const UNAVAILABLE_MESSAGE =
  /socket hang up|\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

/**
 * True when `error`, or any error in its `cause` chain, says that a dependency is overloaded,
 * throttling, unreachable or too slow — something a retry a little later may fix — rather than a
 * bug: SDK throttling and timeout exceptions (`ThrottlingException`,
 * `ProvisionedThroughputExceededException`, `RequestLimitExceeded`, `TimeoutError` …), refused,
 * reset or hung-up connections (`ECONNREFUSED`, `socket hang up` …), and HTTP 429/502/503/504
 * answers of an AWS API.
 *
 * @example
 * ```ts
 * isDependencyUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })); // true
 * ```
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as ErrorLike;
    if (typeof candidate.name === 'string' && UNAVAILABLE_NAMES.has(candidate.name)) return true;
    if (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
    // The SDK can re-wrap a network error into a message-only Error ("AWS SDK error wrapper for Error:
    // connect ECONNREFUSED …"), e.g. when it comes from another realm: the code survives in the text.
    if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGE.test(candidate.message)) return true;
    if (candidate.$retryable?.throttling === true) return true;
    const status = candidate.$metadata?.httpStatusCode;
    if (typeof status === 'number' && UNAVAILABLE_STATUSES.has(status)) return true;
    if (candidate.code === 'SERVICE_UNAVAILABLE') return true;
    if (isTenantryError(current) && candidate.code !== 'INTERNAL') return false;
    current = candidate.cause;
  }
  return false;
}

/** The Middy middleware whose errors {@link toErrorResponse} maps (its `HttpError`s name it in `cause.package`). */
const JSON_BODY_PARSER = '@middy/http-json-body-parser';

/**
 * The Tenantry error for an error of `@middy/http-json-body-parser`, else undefined: its 415 (not a
 * JSON content type) → `UnsupportedMediaTypeError`; its 422 (malformed JSON, or a forbidden
 * `__proto__`/`constructor` key) → 400 `VALIDATION_FAILED` on the field `body`. Recognised by shape
 * (`@middy/util`'s `HttpError`: `statusCode`, `cause.package`), so this package depends on no Middy.
 */
function fromJsonBodyParser(error: unknown): TenantryError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { statusCode, cause } = error as { statusCode?: unknown; cause?: { package?: unknown; data?: unknown } };
  if (cause?.package !== JSON_BODY_PARSER) return undefined;
  if (statusCode === 415) return new UnsupportedMediaTypeError(undefined, { cause: error });
  if (statusCode === 422) {
    const message = error.message.startsWith('Forbidden key')
      ? `must not contain the key ${JSON.stringify(String(cause.data))}`
      : 'must be valid JSON';
    return new ValidationFailedError([{ field: 'body', message }], undefined, { cause: error });
  }
  return undefined;
}

/** The Tenantry error a thrown value answers as (see {@link toErrorResponse}). */
function tenantryErrorOf(thrown: unknown): TenantryError {
  const error = fromJsonBodyParser(thrown) ?? thrown;
  if (isTenantryError(error) && !(error instanceof InternalError && isDependencyUnavailable(error.cause))) {
    return error;
  }
  if (isDependencyUnavailable(error)) return new ServiceUnavailableError(undefined, { cause: error });
  return error instanceof InternalError ? error : new InternalError();
}

function mappedFrom(mapped: TenantryError, requestId: string): MappedError {
  const headers: Record<string, string> = {};
  if (mapped.retryAfterSeconds !== undefined) headers['retry-after'] = String(mapped.retryAfterSeconds);
  return {
    statusCode: mapped.statusCode,
    body: mapped.toBody(requestId),
    headers,
    internal: mapped.statusCode === 500,
    unavailable: mapped.statusCode === 503,
  };
}

/** What the one mapper answers for a thrown value. */
export interface MappedError {
  statusCode: number;
  body: ErrorResponse;
  /** Headers of the answer (lower-case names): `retry-after` on 429 and 503. */
  headers: Record<string, string>;
  /** A 500: log it at ERROR with its cause. */
  internal: boolean;
  /** A 503 (overload, a dependency timing out or throttling): log it at WARN with its cause. */
  unavailable: boolean;
}

/**
 * The HTTP answer for any thrown value — the one place errors become HTTP. The JSON body parser's
 * errors become their Tenantry errors (415, 400). A TenantryError answers as itself, except an
 * `InternalError` whose cause is an unavailable dependency; anything else that
 * {@link isDependencyUnavailable} recognises is a 503 `SERVICE_UNAVAILABLE` with `Retry-After`; all
 * the rest is a generic 500, as is a value that throws when looked at. Never throws. The caller logs
 * `cause`; nothing of an unknown error reaches the body.
 */
export function toErrorResponse(thrown: unknown, requestId: string): MappedError {
  try {
    return mappedFrom(tenantryErrorOf(thrown), requestId);
  } catch {
    // Looking at the thrown value threw (a getter, a proxy): whatever it was, it is not a refusal.
    return mappedFrom(new InternalError(), requestId);
  }
}
