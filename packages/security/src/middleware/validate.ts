import type { MiddlewareObj } from '@middy/core';
import { ValidationFailedError } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ModelsAdapter } from '../models';
import type { StackRequest } from './httpResponse';
import type { StackContext } from './state';

/**
 * Request validation with the generated, precompiled validators of `@tenantry/models` (no schema
 * is written here): path parameters, query and body, every request (an absent optional body counts
 * as `{}`; a body sent to an operation without one fails on its unknown properties). Failures: 400
 * VALIDATION_FAILED with every field error. The validated (possibly coerced) values replace the raw
 * ones. An operation the models do not know is a wiring bug: 500, never an unvalidated request.
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
    const details = [];
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
