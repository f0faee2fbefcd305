import type { MiddlewareObj } from '@middy/core';
import { type FieldError, ValidationFailedError } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ModelsAdapter } from '../models';
import type { StackRequest } from './httpResponse';
import type { StackContext } from './state';

/** A lone surrogate: in a `u` regular expression a well-formed pair is one code point, never `\p{Cs}`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A JSON pointer segment (RFC 6901), with any lone surrogate of a key shown as U+FFFD. */
const pointerSegment = (key: string) =>
  key
    .replaceAll('~', '~0')
    .replaceAll('/', '~1')
    .replace(/\p{Cs}/gu, '\uFFFD');

/**
 * Every string (value or key) of `value` that is not well-formed Unicode, as field errors with JSON
 * pointers: such a string cannot be stored or answered as it was sent (UTF-8 turns it into U+FFFD).
 * Iterative: a body of 16 KiB can nest thousands of levels deep.
 */
function malformedStrings(value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const queue: Array<[unknown, string]> = [[value, '']];
  for (let next = 0; next < queue.length; next++) {
    const [item, pointer] = queue[next]!;
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) {
      found.push({ field: pointer || '/', message: 'must be well-formed Unicode' });
    }
    if (!item || typeof item !== 'object') continue;
    for (const [key, child] of Object.entries(item)) {
      const field = `${pointer}/${pointerSegment(key)}`;
      if (LONE_SURROGATE.test(key)) found.push({ field, message: 'must have a name that is well-formed Unicode' });
      queue.push([child, field]);
    }
  }
  return found;
}

/**
 * Request validation with the generated, precompiled validators of `@tenantry/models` (no schema
 * is written here): path parameters, query and body, every request (an absent optional body counts
 * as `{}`; a body sent to an operation without one fails on its unknown properties). Failures: 400
 * VALIDATION_FAILED with every field error. The validated (possibly coerced) values replace the raw
 * ones. A string that is not well-formed Unicode (a lone surrogate) is refused in every part, named
 * by its JSON pointer. An operation the models do not know is a wiring bug: 500, never an unvalidated request.
 */
export function validateRequest(
  operation: string,
  models: () => ModelsAdapter,
  options: { skipUnknownOperation?: boolean } = {},
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const before = (request: StackRequest): void => {
    const state = request.context.tenantry!;
    const adapter = models();
    if (options.skipUnknownOperation && !Object.hasOwn(adapter.operations, operation)) return;
    // Before the schemas: every route refuses text that is not well-formed Unicode, in every part.
    const details = [state.params, state.query, state.body].flatMap((part) => malformedStrings(part));
    const path = adapter.validateRequest(operation, 'path', state.params);
    if (!path.ok) details.push(...path.details);
    const query = adapter.validateRequest(operation, 'query', state.query);
    if (query.ok) state.query = (query.value ?? {}) as Record<string, unknown>;
    else details.push(...query.details);
    const body = adapter.validateRequest(operation, 'body', state.body);
    if (body.ok) state.body = body.value;
    else details.push(...body.details);
    if (details.length > 0) throw new ValidationFailedError(details);
  };
  return { before };
}
