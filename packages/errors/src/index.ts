/**
 * The one error hierarchy of Tenantry (spec §8). Domain code throws these; the shared middleware of
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

/** The base of every Tenantry error: an API code, its HTTP status and a client-safe message. */
export abstract class TenantryError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly statusCode: number;

  constructor(message: string, options?: TenantryErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** The response body of spec §8; subclasses with more to say (details) override it. */
  toBody(requestId: string): ErrorResponse {
    return { error: { code: this.code, message: this.message, requestId } };
  }
}

/** 400: the request does not match its schema (unknown fields included). */
export class ValidationFailedError extends TenantryError {
  readonly code = 'VALIDATION_FAILED';
  readonly statusCode = 400;
  readonly details: FieldError[];

  constructor(details: FieldError[], message = 'The request is not valid', options?: TenantryErrorOptions) {
    super(message, options);
    this.details = details;
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

/** 403: the organization's plan limit is reached (spec §4). */
export class PlanLimitReachedError extends TenantryError {
  readonly code = 'PLAN_LIMIT_REACHED';
  readonly statusCode = 403;
  constructor(message = 'The plan limit of this organization is reached', options?: TenantryErrorOptions) {
    super(message, options);
  }
}

/** 403: a write to a SUSPENDED organization (spec §4). */
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

/**
 * The HTTP answer for any thrown value: a TenantryError as itself, anything else as a generic 500.
 * The caller logs `cause` for the 500 case; nothing of an unknown error reaches the body.
 */
export function toErrorResponse(
  error: unknown,
  requestId: string,
): { statusCode: number; body: ErrorResponse; internal: boolean } {
  if (isTenantryError(error)) {
    return { statusCode: error.statusCode, body: error.toBody(requestId), internal: error instanceof InternalError };
  }
  const internal = new InternalError();
  return { statusCode: internal.statusCode, body: internal.toBody(requestId), internal: true };
}
