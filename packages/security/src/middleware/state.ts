import type { Context } from 'aws-lambda';
import type { SecurityContext } from '../context';
import type { Action } from '../permissions';
import type { Principal } from '../principal';

/** What the stack learns about one request, kept on the Lambda context under `tenantry`. */
export interface RequestState {
  requestId: string;
  operation: string;
  action: Action | undefined;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  principal?: Principal;
  security?: SecurityContext;
  /** The route's prefetched items, set once layers 2 and 3 granted the request. */
  prefetched?: Array<Record<string, unknown> | undefined>;
  /** Set by the idempotency wrapper for a request with an `Idempotency-Key` (see `idempotencyScope`). */
  idempotencyScope?: string;
  /** Set by the idempotency wrapper when the response is a replay. */
  replayed?: boolean;
  /** Headers every answer to this request carries, success or error (the RateLimit fields). */
  responseHeaders?: Record<string, string>;
}

export type StackContext = Context & { tenantry?: RequestState };

/** The request state; throws if the stack did not run (a wiring bug). */
export function requestState(context: Context): RequestState {
  const state = (context as StackContext).tenantry;
  if (!state) throw new Error('the Tenantry security stack did not run for this request');
  return state;
}
