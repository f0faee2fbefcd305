import middy from '@middy/core';
import type { OperationId, OperationTypes } from '@tenantry/models';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { securityConfig } from './config';
import type { ContextFor } from './context';
import { type ReplayProtection, withIdempotency } from './idempotency';
import { logger } from './logger';
import { authenticate } from './middleware/authenticate';
import { authorize } from './middleware/authorize';
import { httpResponse, type RouteResult } from './middleware/httpResponse';
import { jsonBody } from './middleware/jsonBody';
import { type RequestState, requestState, type StackContext } from './middleware/state';
import { validateRequest } from './middleware/validate';
import type { ModelsAdapter } from './models';
import { type Action, isAction } from './permissions';

export type { RouteResult } from './middleware/httpResponse';

/** What a route's business function receives. */
export interface RouteInput<C, B = unknown, Q = Record<string, unknown>> {
  /** The verified security context: principal, organization, role, platform groups. */
  context: C;
  /** The validated JSON body (undefined when none was sent). */
  body: B;
  /** The validated query parameters. */
  query: Q;
  /** Path parameters (the organization id among them is the one the context verified). */
  params: Readonly<Record<string, string>>;
  /** Request headers, lower-cased names. */
  headers: Readonly<Record<string, string>>;
  requestId: string;
}

export interface PublicRouteInput<B = unknown, Q = Record<string, unknown>>
  extends Omit<RouteInput<never, B, Q>, 'context'> {}

/** The body and query types of an operation of `@tenantry/models` (unknown for others, e.g. in tests). */
type BodyOf<O extends string> = O extends OperationId ? OperationTypes[O]['body'] : unknown;
type QueryOf<O extends string> = O extends OperationId ? OperationTypes[O]['query'] : Record<string, unknown>;

export interface RouteOptions<O extends string, A extends Action> {
  /** The operation id of `@tenantry/models` (method, path, validators, and the body and query types). */
  operation: O;
  /** The action of the permission table this route performs. */
  action: A;
  /** Path parameter holding the organization id (default `orgId`). */
  organizationParam?: string;
  /** Honour `Idempotency-Key` (default: the operation's `idempotent` flag in `@tenantry/models`, else when it answers 201). */
  idempotent?: boolean;
  /** Keeps a secret of the answer (a plaintext key) sealed in the idempotency table; see {@link ReplayProtection}. */
  replayProtection?: ReplayProtection;
}

/** Wiring metadata, checked by the routes test. */
export interface RouteMetadata {
  operation: string;
  action: Action | undefined;
  public: boolean;
  idempotent: boolean;
}

export type LambdaHandler = ((
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>) & { route: RouteMetadata };

function models(): ModelsAdapter {
  return securityConfig().models;
}

function operationInfo(operation: string) {
  return Object.hasOwn(models().operations, operation) ? models().operations[operation] : undefined;
}

function successStatus(operation: string): number {
  return operationInfo(operation)?.successStatus ?? 200;
}

function build(
  metadata: Omit<RouteMetadata, 'idempotent'> & { idempotent: boolean | undefined },
  chain: (
    handler: ReturnType<typeof middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext>>,
  ) => void,
  business: (state: RequestState) => Promise<RouteResult>,
  replayProtection?: ReplayProtection,
): LambdaHandler {
  const isIdempotent = () => {
    if (metadata.idempotent !== undefined) return metadata.idempotent;
    const info = operationInfo(metadata.operation);
    return info?.idempotent ?? info?.successStatus === 201;
  };
  const idempotent = withIdempotency(business, replayProtection);
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext>().use(
    httpResponse({
      operation: metadata.operation,
      action: metadata.action,
      successStatus: () => successStatus(metadata.operation),
    }),
  );
  chain(handler);
  const wrapped = handler.handler(async (_event, context) => {
    const state = requestState(context);
    return (
      isIdempotent() ? idempotent(state, context) : business(state)
    ) as Promise<APIGatewayProxyStructuredResultV2>;
  });
  const lambda = ((event: APIGatewayProxyEventV2, context: Context) =>
    wrapped(event, context ?? ({} as Context))) as LambdaHandler;
  lambda.route = { ...metadata, idempotent: metadata.idempotent ?? false };
  Object.defineProperty(lambda.route, 'idempotent', { get: isIdempotent, enumerable: true });
  return lambda;
}

/**
 * A protected route: ONE line plus its business function. The chain, in order: response mapping
 * and security headers → JSON body (413/415/400) → authentication (401) → validation (400) →
 * organization and action (404/403, one BatchGetItem for organization actions) → Idempotency-Key
 * (creates) → your function. Throw `@tenantry/errors`; never build an error response yourself.
 *
 * @example
 * ```ts
 * export const handler = route({ operation: 'getOrganization', action: 'organization:read' }, async ({ context }) => ({
 *   body: toOrganizationView(context.organization),
 * }));
 * ```
 */
export function route<O extends string, A extends Action>(
  options: RouteOptions<O, A>,
  fn: (input: RouteInput<ContextFor<A>, BodyOf<O>, QueryOf<O>>) => Promise<RouteResult>,
): LambdaHandler {
  if (!isAction(options.action))
    throw new Error(`route ${options.operation}: unknown action ${String(options.action)}`);
  const { operation, action } = options;
  const organizationParam = options.organizationParam ?? 'orgId';
  return build(
    { operation, action, public: false, idempotent: options.idempotent },
    (chain) => {
      chain
        .use(jsonBody({ maxBodyBytes: () => securityConfig().maxBodyBytes }))
        .use(authenticate(action))
        .use(validateRequest(operation, models))
        .use(authorize({ action, organizationParam }));
    },
    (state) =>
      fn({
        context: state.security as ContextFor<A>,
        body: state.body as BodyOf<O>,
        query: state.query as QueryOf<O>,
        params: state.params,
        headers: state.headers,
        requestId: state.requestId,
      }),
    options.replayProtection,
  );
}

export interface PublicRouteOptions {
  operation: string;
  /** Validate with `@tenantry/models` (default: when the models know the operation). */
  validate?: boolean;
}

/**
 * A public route (health checks): the same response, error and header stack, no authentication and
 * no organization. Nothing else may be public.
 *
 * @example
 * ```ts
 * export const handler = publicRoute({ operation: 'health' }, async () => ({ body: { status: 'ok' } }));
 * ```
 */
export function publicRoute<B = unknown, Q = Record<string, unknown>>(
  options: PublicRouteOptions,
  fn: (input: PublicRouteInput<B, Q>) => Promise<RouteResult>,
): LambdaHandler {
  const { operation } = options;
  return build(
    { operation, action: undefined, public: true, idempotent: false },
    (chain) => {
      chain.use(jsonBody({ maxBodyBytes: () => securityConfig().maxBodyBytes }));
      if (options.validate !== false) {
        chain.use(validateRequest(operation, models, { skipUnknownOperation: options.validate === undefined }));
      }
    },
    (state) =>
      fn({
        body: state.body as B,
        query: state.query as Q,
        params: state.params,
        headers: state.headers,
        requestId: state.requestId,
      }),
  );
}

export { logger };
