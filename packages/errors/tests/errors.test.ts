import { describe, expect, it } from '@jest/globals';
import { validateSchema } from '@tenantry/models';
import {
  ConflictError,
  type FieldError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InternalError,
  isTenantryError,
  NotFoundError,
  OrganizationSuspendedError,
  PayloadTooLargeError,
  PlanLimitReachedError,
  TenantryError,
  toErrorResponse,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
} from '../src/index';

describe('the error hierarchy', () => {
  it.each([
    [new ValidationFailedError([]), 400, 'VALIDATION_FAILED'],
    [new UnauthenticatedError(), 401, 'UNAUTHENTICATED'],
    [new ForbiddenError(), 403, 'FORBIDDEN'],
    [new PlanLimitReachedError(), 403, 'PLAN_LIMIT_REACHED'],
    [new OrganizationSuspendedError(), 403, 'ORGANIZATION_SUSPENDED'],
    [new NotFoundError(), 404, 'NOT_FOUND'],
    [new ConflictError(), 409, 'CONFLICT'],
    [new IdempotencyKeyReusedError(), 409, 'IDEMPOTENCY_KEY_REUSED'],
    [new PayloadTooLargeError(), 413, 'PAYLOAD_TOO_LARGE'],
    [new UnsupportedMediaTypeError(), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [new InternalError(), 500, 'INTERNAL'],
  ] as const)('%s answers %i %s', (error, status, code) => {
    expect(error).toBeInstanceOf(TenantryError);
    expect(error.statusCode).toBe(status);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(toErrorResponse(error, 'r1')).toMatchObject({
      statusCode: status,
      body: { error: { code, requestId: 'r1' } },
    });
  });

  it('carries the field details of a validation failure', () => {
    const error = new ValidationFailedError([{ field: 'body.name', message: 'is required' }]);
    expect(error.toBody('r1')).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'The request is not valid',
        requestId: 'r1',
        details: [{ field: 'body.name', message: 'is required' }],
      },
    });
  });

  it('keeps the details of any validation failure within the contract of ErrorResponse', () => {
    const control = String.fromCharCode(1);
    const cases: FieldError[][] = [
      Array.from({ length: 250 }, (_, i) => ({ field: `/x${i}`, message: `unknown property 'x${i}'` })),
      [{ field: `/${'f'.repeat(5000)}`, message: `unknown property '${'f'.repeat(5000)}'` }],
      [{ field: `/a${control}b`, message: `unknown property 'a${control}b'` }],
      [{ field: `/${'😀'.repeat(400)}`, message: 'is required' }],
    ];
    for (const details of cases) {
      const body = new ValidationFailedError(details).toBody('r1');
      expect(validateSchema('ErrorResponse', body)).toEqual({ ok: true, value: body });
    }
    const many = new ValidationFailedError(cases[0]!).details;
    expect(many).toHaveLength(100);
    expect(many.slice(0, 99)).toEqual(cases[0]!.slice(0, 99));
    expect(many[99]).toEqual({ field: '/', message: 'and 151 more errors' });
  });

  it('keeps the cause out of the body', () => {
    const error = new ConflictError('Slug taken', { cause: new Error('ConditionalCheckFailedException') });
    expect(error.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(error.toBody('r1'))).not.toContain('Conditional');
  });

  it('maps the errors of @middy/http-json-body-parser: 415 as itself, malformed JSON and forbidden keys to 400', () => {
    // The shape of @middy/util's HttpError, as the parser throws it.
    const parserError = (statusCode: number, message: string, data: unknown) =>
      Object.assign(new Error(message, { cause: { package: '@middy/http-json-body-parser', data } }), { statusCode });

    expect(toErrorResponse(parserError(415, 'Unsupported Media Type', 'text/plain'), 'r1')).toMatchObject({
      statusCode: 415,
      internal: false,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', requestId: 'r1' } },
    });
    const malformed = toErrorResponse(parserError(422, 'Invalid or malformed JSON was provided', '{"secret":'), 'r2');
    expect(malformed).toMatchObject({
      statusCode: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body', message: 'must be valid JSON' }] } },
    });
    expect(JSON.stringify(malformed.body)).not.toContain('secret');
    expect(toErrorResponse(parserError(422, 'Forbidden key in JSON body', '__proto__'), 'r3')).toMatchObject({
      statusCode: 400,
      body: { error: { details: [{ field: 'body', message: 'must not contain the key "__proto__"' }] } },
    });
    // Another package's HttpError is no refusal of ours: a generic 500.
    const other = Object.assign(new Error('Unsupported Media Type', { cause: { package: '@middy/other' } }), {
      statusCode: 415,
    });
    expect(toErrorResponse(other, 'r4').statusCode).toBe(500);
  });

  it('maps any other thrown value to a generic 500', () => {
    const mapped = toErrorResponse(new Error('AccessDeniedException: arn:aws:iam::123:role/x'), 'r2');
    expect(mapped).toEqual({
      statusCode: 500,
      internal: true,
      unavailable: false,
      headers: {},
      body: { error: { code: 'INTERNAL', message: 'An internal error occurred', requestId: 'r2' } },
    });
    expect(toErrorResponse('boom', 'r3').statusCode).toBe(500);
    expect(isTenantryError(new Error('x'))).toBe(false);
  });
});

describe('toErrorResponse with a thrown value that throws when looked at', () => {
  const trap = () => {
    throw new Error('trap');
  };
  const throwing = { get: trap };

  it.each([
    ['a proxy whose every trap throws', new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap, ownKeys: trap })],
    [
      'an error whose code, statusCode and cause throw',
      Object.defineProperties(new Error('x'), { code: throwing, statusCode: throwing, cause: throwing }),
    ],
    [
      'an error-shaped object whose toBody throws',
      Object.assign(new Error('x'), { code: 'CONFLICT', statusCode: 409, toBody: trap }),
    ],
  ])('answers a generic 500 for %s, never throwing', (_name, thrown) => {
    expect(toErrorResponse(thrown, 'req-1')).toEqual({
      statusCode: 500,
      body: { error: { code: 'INTERNAL', message: 'An internal error occurred', requestId: 'req-1' } },
      headers: {},
      internal: true,
      unavailable: false,
    });
  });
});
