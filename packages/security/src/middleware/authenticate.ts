import type { MiddlewareObj } from '@middy/core';
import { UnauthenticatedError, ValidationFailedError } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { applicationResolver, securityConfig, userResolver } from '../config';
import { TokenRejectedError } from '../jwt';
import { logger } from '../logger';
import { type Action, acceptsApplications, acceptsUsers } from '../permissions';
import { API_KEY_HEADER, type PrincipalResolver } from '../principal';
import type { StackRequest } from './httpResponse';
import type { StackContext } from './state';

const CREDENTIAL_HEADERS = ['authorization', API_KEY_HEADER];

/**
 * Does the route's operation take API keys? Its `auth` in the contract's document says so per route
 * (a key-grantable action is reachable with a key only where the document offers it); an operation
 * the models do not know leaves it to the action.
 */
function takesApiKeys(operation: string): boolean {
  const { operations } = securityConfig().models;
  const auth = Object.hasOwn(operations, operation) ? operations[operation]?.auth : undefined;
  return auth === undefined || auth === 'api-key' || auth === 'user-or-api-key';
}

/**
 * Authentication in the Lambda itself (defense in depth, even behind an API Gateway authorizer).
 * Exactly one credential must be present (both a Bearer token and an API key: 400), and it must be
 * one the route's action accepts: an ID token for user actions, an API key (through the application
 * resolver, by default the DynamoDB key lookup of `api-keys.ts`) for key-grantable actions on
 * operations that take keys. Anything else: 401 UNAUTHENTICATED, the same body every time.
 */
export function authenticate(
  action: Action,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const before = async (request: StackRequest): Promise<void> => {
    const state = request.context.tenantry!;
    const present = CREDENTIAL_HEADERS.filter((name) => state.headers[name] !== undefined);
    const refuse = (reason: string, cause?: unknown): never => {
      logger.warn('access denied', {
        reason,
        layer: 'authentication',
        action,
        credential: present.join(',') || 'none',
      });
      throw new UnauthenticatedError(undefined, { cause });
    };
    if (present.length === 0) refuse('no credential');
    if (present.length > 1) {
      // A request is made by exactly one principal (contract §1): two credentials are a malformed request.
      logger.warn('access denied', { reason: 'more than one credential', layer: 'authentication', action });
      throw new ValidationFailedError(
        [{ field: 'header.X-Api-Key', message: 'send either Authorization or X-Api-Key, not both' }],
        'The request carries more than one credential',
      );
    }

    let resolver: PrincipalResolver | undefined;
    if (present[0] === 'authorization' && acceptsUsers(action)) resolver = userResolver();
    if (present[0] === API_KEY_HEADER && acceptsApplications(action) && takesApiKeys(state.operation)) {
      resolver = applicationResolver();
    }
    if (!resolver) return refuse(`credential ${present[0]} not accepted for this action`);

    try {
      const principal = await resolver.resolve(state.headers);
      if (!principal || principal.kind !== resolver.kind) return refuse('credential did not resolve');
      state.principal = principal;
      logger.appendKeys({ principal: `${principal.kind}:${principal.id}` });
    } catch (error) {
      if (error instanceof TokenRejectedError) return refuse(error.reason);
      if (error instanceof UnauthenticatedError) return refuse(error.message, error);
      throw error;
    }
  };
  return { before };
}
