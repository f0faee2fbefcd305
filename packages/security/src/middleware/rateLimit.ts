import type { MiddlewareObj } from '@middy/core';
import { RateLimitedError, toErrorResponse } from '@tenantry/errors';
import { rateLimits as rateLimitsTable } from '@tenantry/models';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { securityConfig } from '../config';
import { logger } from '../logger';
import { type Action, permissions } from '../permissions';
import type { Principal } from '../principal';
import {
  type Counter,
  type CounterStore,
  combine,
  dynamoCounterStore,
  notePlan,
  planHint,
  quotaOf,
  rateLimitHeaders,
  rateLimitScale,
  type Take,
  type TakeOptions,
  take,
  type Verdict,
  verdictOf,
} from '../rate-limit';
import type { StackRequest } from './httpResponse';
import type { RequestState, StackContext } from './state';

/** What the limiter needs besides the request. */
export interface RateLimiterSettings {
  store: () => CounterStore;
  now: () => number;
  scale: () => number;
}

let defaultStore: CounterStore | undefined;

const defaults: RateLimiterSettings = {
  store: () => {
    const configured = securityConfig().rateLimitStore;
    if (configured) return configured;
    defaultStore ??= dynamoCounterStore();
    return defaultStore;
  },
  now: Date.now,
  scale: () => rateLimitScale(),
};

/** The limiter's work for one request, kept beside the request state (never on it: nothing else reads it). */
interface Pending {
  /** The counters started after authentication, running while layer 2 reads. */
  takes: Promise<Take[]>;
  organizationId?: string;
  /** Set once the request has its verdict (or the limiter gave up on it). */
  settled: boolean;
  /** Awaits the counters and refuses the request above a limit (see {@link awaitRateLimit}). */
  enforce: () => Promise<void>;
}

const pendingOf = new WeakMap<RequestState, Pending>();

/** Same test as layer 2's: anything else cannot be an organization, so it is no organization's counter. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

const isStaff = (principal: Principal) =>
  principal.kind === 'user' && principal.groups.some((group) => group === 'OWNER' || group === 'EMPLOYEE');

/**
 * The counters of a request, chosen from the principal and the route alone (before layer 2 reads):
 * an API key its own; platform staff their own; a user inside an organization that organization's
 * (given back, and the user's own taken instead, unless layers 2 and 3 admit the request); a user
 * elsewhere their own. Creates with an abuse limit also take the user's hourly counter.
 */
export function countersOf(
  principal: Principal,
  action: Action,
  operation: string,
  params: Readonly<Record<string, string>>,
  organizationParam: string,
): { counters: Counter[]; organizationId?: string } {
  if (principal.kind === 'application') {
    return {
      counters: [{ kind: 'apiKey', subject: principal.id }],
      organizationId: principal.organizationId,
    };
  }
  const counters: Counter[] = [];
  let organizationId: string | undefined;
  const organizationParamValue = params[organizationParam];
  if (isStaff(principal)) counters.push({ kind: 'staff', subject: principal.id });
  else if (permissions[action].scope === 'organization' && organizationParamValue && ID.test(organizationParamValue)) {
    organizationId = organizationParamValue;
    counters.push({ kind: 'organization', subject: organizationId });
  } else counters.push({ kind: 'user', subject: principal.id });
  if (Object.hasOwn(rateLimitsTable.perUserPerHour, operation)) {
    counters.push({ kind: 'hourly', subject: `${operation}:${principal.id}`, operation });
  }
  return { counters, organizationId };
}

export interface RateLimitOptions {
  action: Action;
  operation: string;
  organizationParam: string;
  settings?: Partial<RateLimiterSettings>;
}

function sourceIp(event: APIGatewayProxyEventV2 | undefined): string {
  const ip = event?.requestContext?.http?.sourceIp;
  return typeof ip === 'string' && ip.length > 0 && ip.length <= 64 && !ip.includes('#') ? ip : 'unknown';
}

/**
 * Rate limits (contract §5), in two places of the chain:
 *
 * - `start` (right after authentication): picks the request's counters and STARTS their
 *   conditional `ADD`s, without waiting, so they run while layer 2 reads the organization and the
 *   membership: no round trip is added to the request's path;
 * - `enforce` (right after layer 2 and 3 — and by `authorize` itself before it publishes anything):
 *   awaits them, judges them by the organization's plan and refuses with 429 RATE_LIMITED and
 *   `Retry-After` before anything is executed or written.
 *
 * A request refused before it was admitted into an organization (401, 400 — a body refused as
 * unparsable, too large or not JSON included —, 404, 403) gives the organization's unit back and
 * counts against its own principal (a user, or the source IP without a verified credential):
 * strangers cannot spend, or learn anything of, another tenant's quota, and nobody can send
 * malformed requests without limit.
 * Every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.
 */
export function rateLimit(options: RateLimitOptions): {
  start: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext>;
  enforce: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext>;
} {
  const settings: RateLimiterSettings = { ...defaults, ...options.settings };
  const takeOptions = (organizationId?: string): TakeOptions => ({
    store: settings.store(),
    now: settings.now,
    scale: settings.scale(),
    organizationId,
  });

  const startBefore = (request: StackRequest): void => {
    const state = request.context.tenantry!;
    const principal = state.principal!;
    const { counters, organizationId } = countersOf(
      principal,
      options.action,
      options.operation,
      state.params,
      options.organizationParam,
    );
    const takes = Promise.all(counters.map((counter) => take(counter, takeOptions(organizationId))));
    // Awaited by enforce or onError; never an unhandled rejection meanwhile.
    takes.catch(() => undefined);
    pendingOf.set(state, { takes, organizationId, settled: false, enforce: () => enforceRateLimit(state) });
  };

  const judge = (takes: readonly Take[], plan: unknown): Verdict[] =>
    takes.map((taken) => verdictOf(taken, quotaOf(taken.counter, plan, settings.scale()), settings.now()));

  const enforceBefore = async (request: StackRequest): Promise<void> => enforceRateLimit(request.context.tenantry!);

  /** Awaits the request's counters and refuses it above a limit; a no-op once the request has its verdict. */
  const enforceRateLimit = async (state: RequestState): Promise<void> => {
    const pending = pendingOf.get(state);
    if (!pending || pending.settled) return;
    pending.settled = true;
    let takes = await pending.takes;
    const organization = state.security && 'organization' in state.security ? state.security.organization : undefined;
    if (organization) notePlan(organization.id, organization.plan);
    let verdicts = judge(takes, organization?.plan);
    // Skipped writes (this container knew the counter was over) that the actual plan allows after all.
    if (verdicts.some((verdict, index) => verdict.allowed && !takes[index]!.written)) {
      takes = await Promise.all(
        takes.map((taken, index) =>
          verdicts[index]!.allowed && !taken.written
            ? take(taken.counter, takeOptions(pending.organizationId), true)
            : taken,
        ),
      );
      verdicts = judge(takes, organization?.plan);
    }
    settle(state, verdicts);
  };

  const settle = (state: RequestState, verdicts: Verdict[]): void => {
    const verdict = combine(verdicts);
    if (!verdict) return;
    state.responseHeaders = { ...state.responseHeaders, ...rateLimitHeaders(verdict) };
    if (!verdict.allowed) {
      logger.info('rate limited', { operation: options.operation, retryAfter: verdict.resetSeconds });
      throw new RateLimitedError(undefined, { retryAfterSeconds: verdict.resetSeconds });
    }
  };

  /**
   * A request that failed before its verdict: its counters (the organization's given back for the
   * principal's own, or the source IP's without a principal) still decide — above a limit the
   * answer is 429, and it carries the RateLimit headers. A 5xx, or counters that cannot be
   * reached, leave the answer as it is.
   */
  const onError = async (request: StackRequest): Promise<void> => {
    const state = request.context.tenantry;
    // Every refusal counts, the JSON body parser's (415, 400) too; a failure of ours (5xx) does not.
    if (!state || toErrorResponse(request.error, state.requestId).statusCode >= 500) return;
    const pending = pendingOf.get(state);
    if (pending?.settled) return;
    if (pending) pending.settled = true;
    else pendingOf.set(state, { takes: Promise.resolve([]), settled: true, enforce: async () => undefined });
    try {
      let takes = pending ? await pending.takes : [];
      const options_ = takeOptions();
      const principal = state.principal;
      const own: Counter | undefined = !principal
        ? { kind: 'anonymous', subject: sourceIp(request.event) }
        : takes.some((taken) => taken.counter.kind === 'organization')
          ? { kind: 'user', subject: principal.id }
          : undefined;
      const given = takes.filter((taken) => taken.counter.kind === 'organization' && taken.written);
      takes = takes.filter((taken) => taken.counter.kind !== 'organization');
      const [ownTake] = await Promise.all([
        own ? take(own, options_) : undefined,
        ...given.map((taken) => settings.store().decrement(taken.key)),
      ]);
      if (ownTake) takes.push(ownTake);
      // Refused before its organization was read: the plan this container last saw, else the smallest.
      settle(state, judge(takes, pending?.organizationId ? planHint(pending.organizationId) : undefined));
    } catch (error) {
      if (error instanceof RateLimitedError) {
        request.error = error;
        return;
      }
      logger.warn('rate limit not counted', { operation: options.operation, error: error as Error });
    }
  };

  return {
    start: { before: startBefore },
    enforce: { before: enforceBefore, onError },
  };
}

/**
 * Awaits the request's rate-limit verdict (429 above a limit): `authorize` calls it before its first
 * side effect (the `platform.access` event), so a refused request writes nothing. No-op when the
 * route has no limiter or the verdict is in.
 */
export async function awaitRateLimit(state: RequestState): Promise<void> {
  await pendingOf.get(state)?.enforce();
}
