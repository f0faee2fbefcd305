import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ConflictError, IdempotencyKeyReusedError, InternalError, ValidationFailedError } from '@tenantry/errors';
import type { Context } from 'aws-lambda';
import type { SecurityContext } from './context';
import type { RouteResult } from './middleware/httpResponse';
import { type RequestState, requestState } from './middleware/state';

/** 24 hours (spec §5). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;

let persistence: DynamoDBPersistenceLayer | undefined;

/** The persistence layer of this container: table `IDEMPOTENCY_TABLE`, key `id`, TTL attribute `expiration`. */
function persistenceStore(): DynamoDBPersistenceLayer {
  if (!persistence) {
    const tableName = process.env.IDEMPOTENCY_TABLE;
    if (!tableName) throw new Error('environment variable IDEMPOTENCY_TABLE is not set');
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    persistence = new DynamoDBPersistenceLayer({
      tableName,
      keyAttr: 'id',
      expiryAttr: 'expiration',
      clientConfig: { ...(endpoint ? { endpoint } : {}), maxAttempts: 3 },
    });
  }
  return persistence;
}

/** Tests only: forget the container's persistence layer. */
export function resetIdempotencyPersistence(): void {
  persistence = undefined;
}

interface IdempotentInput {
  /** Principal-scoped key: two principals' keys never collide. */
  key: string;
  /** What must be identical for a replay: operation, path, query and body. */
  payload: { operation: string; params: Record<string, string>; query: Record<string, unknown>; body: unknown };
}

type Business = (state: RequestState) => Promise<RouteResult>;

/**
 * How a route keeps a secret of its answer out of the idempotency table: the stored copy of the
 * first answer is `seal`ed (e.g. a plaintext API key encrypted under the organization's key), and
 * every answer, the first and each replay, is `open`ed from it. Without it, the answer is stored as is.
 */
export interface ReplayProtection {
  seal(result: RouteResult, context: SecurityContext): Promise<RouteResult>;
  open(stored: RouteResult, context: SecurityContext): Promise<RouteResult>;
}

/**
 * `Idempotency-Key` for creates, with Powertools idempotency wrapping the inner business function
 * (`makeIdempotent`, not the Middy middleware: see docs/toolchain note on upstream issue #5675).
 * Runs after authentication, validation and authorization, so a replay needs the same rights as
 * the first call. Same key + same request → the first response replayed, no second effect; same
 * key + another request → 409 IDEMPOTENCY_KEY_REUSED; same key while the first is running → 409
 * CONFLICT. A failed first call stores nothing, so it may be retried with the same key.
 */
export function withIdempotency(
  business: Business,
  protection?: ReplayProtection,
): (state: RequestState, context: Context) => Promise<RouteResult> {
  let idempotent: ((input: IdempotentInput, context: Context) => Promise<RouteResult>) | undefined;
  const create = () =>
    makeIdempotent(
      async (_input: IdempotentInput, context: Context) => {
        const state = requestState(context);
        state.executed = true;
        const result = await business(state);
        return protection ? protection.seal(result, state.security!) : result;
      },
      {
        persistenceStore: persistenceStore(),
        keyPrefix: 'tenantry',
        config: new IdempotencyConfig({
          eventKeyJmesPath: 'key',
          payloadValidationJmesPath: 'payload',
          expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
          throwOnNoIdempotencyKey: true,
        }),
      },
    );

  return async (state, context) => {
    const key = state.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return business(state);
    if (!KEY.test(key)) {
      throw new ValidationFailedError([
        { field: 'header.Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const principal = state.principal!;
    idempotent ??= create();
    state.executed = false;
    try {
      const result = await idempotent(
        {
          key: JSON.stringify([principal.kind, principal.id, key]),
          payload: { operation: state.operation, params: state.params, query: state.query, body: state.body ?? null },
        },
        context,
      );
      if (!state.executed) state.replayed = true;
      return protection ? await protection.open(result, state.security!) : result;
    } catch (error) {
      throw mapIdempotencyError(error);
    }
  };
}

function mapIdempotencyError(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  switch (name) {
    case 'IdempotencyValidationError':
      return new IdempotencyKeyReusedError(undefined, { cause: error });
    case 'IdempotencyAlreadyInProgressError':
      return new ConflictError('A request with this Idempotency-Key is still in progress', { cause: error });
    case 'IdempotencyPersistenceLayerError':
    case 'IdempotencyInconsistentStateError':
    case 'IdempotencyKeyError':
    case 'IdempotencyUnknownError':
      return new InternalError(undefined, { cause: error });
    default:
      return error;
  }
}
