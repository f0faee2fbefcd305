import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { ServiceUnavailableError } from '@tenantry/errors';
import type { OperationId, OperationTypes } from '@tenantry/models';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { securityConfig } from './config';
import type { ContextFor } from './context';
import { type ReplayProtection, withIdempotency } from './idempotency';
import { logger } from './logger';
import { authenticate } from './middleware/authenticate';
import { authorize } from './middleware/authorize';
import { configurationChecked } from './middleware/configuration';
import { errorResponse, httpResponse, type RouteResult } from './middleware/httpResponse';
import { jsonBody } from './middleware/jsonBody';
import { rateLimit } from './middleware/rateLimit';
import { type RequestState, requestState, type StackContext } from './middleware/state';
import { validateRequest } from './middleware/validate';
import type { ModelsAdapter } from './models';
import type { PrefetchKey } from './organization';
import { type Action, isAction, permissions } from './permissions';
import { scheduleWarmUp } from './warm-up';

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
  /**
   * With an `Idempotency-Key` on an idempotent route: what the key names, scoped to this principal,
   * organization and operation (hex). Derive from it, never from the raw header, any id a retry of
   * the same request must find again.
   */
  idempotencyScope: string | undefined;
  /** The items the route's `prefetch` named, read in layer 2's BatchGetItem, in its order. */
  prefetched: ReadonlyArray<Record<string, unknown> | undefined>;
}

export interface PublicRouteInput<B = unknown, Q = Record<string, unknown>>
  extends Omit<RouteInput<never, B, Q>, 'context' | 'prefetched' | 'idempotencyScope'> {}

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
  /**
   * Items of the organization's own partition the function needs, read in layer 2's ONE
   * BatchGetItem (organization actions only) and given to it as `prefetched` once the request is
   * granted: an authorized read in one round trip. Path parameters are validated before.
   */
  prefetch?: (organizationId: string, params: Readonly<Record<string, string>>) => PrefetchKey[];
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

/**
 * A function that is about to run out of time answers 503 SERVICE_UNAVAILABLE with Retry-After
 * (overload), never 500 and never the platform's own timeout error: Middy's early timeout answers
 * this long before the function's timeout while the business function runs…
 */
export const TIMEOUT_EARLY_MS = 1000;
/** …and the route's deadline this long before it whatever runs (authentication and layer 2 too). */
export const DEADLINE_MARGIN_MS = 500;

/** Middy's `timeoutEarlyResponse`: the business function took too long. */
function outOfTime(): never {
  throw new ServiceUnavailableError(undefined, {
    cause: new Error(`the function was about to time out (Middy timeoutEarlyInMillis ${TIMEOUT_EARLY_MS})`),
  });
}

/**
 * Runs `run`, but answers 503 if the function is about to reach its timeout first: in a deployed
 * function the HTTP API would otherwise turn the timeout into a 500. Locally serverless-offline
 * gives the same remaining time, so the answer is the same.
 */
async function withDeadline(
  run: () => Promise<APIGatewayProxyStructuredResultV2>,
  context: Context | undefined,
  operation: string,
): Promise<APIGatewayProxyStructuredResultV2> {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
  if (!context || !(remaining > 0)) return run();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<APIGatewayProxyStructuredResultV2>((resolve) => {
    timer = setTimeout(
      () => {
        const cause = new Error(`the function was about to time out (${DEADLINE_MARGIN_MS} ms left)`);
        const requestId = context.awsRequestId || randomUUID();
        resolve(errorResponse(new ServiceUnavailableError(undefined, { cause }), requestId, operation));
      },
      Math.max(0, remaining - DEADLINE_MARGIN_MS),
    );
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
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
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: outOfTime,
  }).use(
    httpResponse({
      operation: metadata.operation,
      action: metadata.action,
      successStatus: () => successStatus(metadata.operation),
    }),
  );
  handler.use(configurationChecked());
  chain(handler);
  const wrapped = handler.handler(async (_event, context) => {
    const state = requestState(context);
    return (
      isIdempotent() ? idempotent(state, context) : business(state)
    ) as Promise<APIGatewayProxyStructuredResultV2>;
  });
  const lambda = ((event: APIGatewayProxyEventV2, context: Context) =>
    withDeadline(() => wrapped(event, context ?? ({} as Context)), context, metadata.operation)) as LambdaHandler;
  lambda.route = { ...metadata, idempotent: metadata.idempotent ?? false };
  Object.defineProperty(lambda.route, 'idempotent', { get: isIdempotent, enumerable: true });
  return lambda;
}

/**
 * A protected route: ONE line plus its business function. The chain, in order: response mapping
 * and security headers → authentication (401) → rate-limit counters started → JSON body
 * (413/415/400) → validation (400) → organization and action (404/403, one BatchGetItem for organization
 * actions, concurrent with the counters) → rate limits judged (429) → Idempotency-Key (creates) →
 * your function. Throw `@tenantry/errors`; never build an error response yourself.
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
  if (options.prefetch && permissions[options.action].scope !== 'organization')
    throw new Error(`route ${options.operation}: only an organization action reads with layer 2 (prefetch)`);
  const { operation, action } = options;
  const organizationParam = options.organizationParam ?? 'orgId';
  // Fetch the JWKS when the handler module loads (once per container), not on the first request.
  scheduleWarmUp();
  // Rate limits: counters started after authentication run WHILE layer 2 reads; judged after it.
  const limits = rateLimit({ action, operation, organizationParam });
  return build(
    { operation, action, public: false, idempotent: options.idempotent },
    (chain) => {
      // The body is read after the counters started: every answer of a route with a credential,
      // a refused body's too, carries the RateLimit headers (contract §5).
      chain
        .use(authenticate(action))
        .use(limits.start)
        .use(jsonBody({ maxBodyBytes: () => securityConfig().maxBodyBytes }))
        .use(validateRequest(operation, models))
        .use(authorize({ action, organizationParam, prefetch: options.prefetch }))
        .use(limits.enforce);
    },
    (state) =>
      fn({
        context: state.security as ContextFor<A>,
        body: state.body as BodyOf<O>,
        query: state.query as QueryOf<O>,
        params: state.params,
        headers: state.headers,
        requestId: state.requestId,
        idempotencyScope: state.idempotencyScope,
        prefetched: state.prefetched ?? [],
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
