/**
 * Rate limits (contract §5, docs/adr/0003-rate-limits.md): which counters a request takes, their quotas
 * (from `@tenantry/models`: `planLimits[plan].rateLimit` and `rateLimits`, i.e. schemas/), the
 * counters themselves in DynamoDB, and the verdict with its RateLimit headers.
 *
 * A limit is a quota of `burst` requests per fixed window of `burst / rps` seconds (hourly abuse
 * limits: a quota per hour). A counter item is `{ pk, count, expiresAt }`, one per subject, window
 * (and shard): a request adds one with a conditional `ADD` (never above the kind's ceiling), so
 * every container of every service sees the same count. `expiresAt` (the table's TTL attribute) is
 * the window's end plus {@link EXPIRY_GRACE_SECONDS}; a new window is a new item, so an expired
 * counter is never read again even before DynamoDB deletes it.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '@tenantry/config';
import { documentClient, isConditionFailure, tables } from '@tenantry/dynamo';
import { type Plan, planLimits, type RateLimit, rateLimits } from '@tenantry/models';

/** Whose requests a counter counts. */
export type CounterKind =
  /** A user's requests inside an organization (by plan): the organization's counter. */
  | 'organization'
  /** An application's API key (by its organization's plan), independent of the organization's users. */
  | 'apiKey'
  /** A user on /me/* and the other routes that name no organization, and a user's refused requests. */
  | 'user'
  /** A platform staff user (OWNER, EMPLOYEE), on every route. */
  | 'staff'
  /** A source IP, for requests refused before a credential verified. */
  | 'anonymous'
  /** An abuse limit: one create operation per user per hour. */
  | 'hourly';

/** One counter a request takes a unit of. */
export interface Counter {
  readonly kind: CounterKind;
  /** Organization id, application id, user id or source IP; `hourly`: `<operationId>:<userId>`. */
  readonly subject: string;
  /** `hourly`: the operation (its quota is per operation). */
  readonly operation?: string;
}

/** A quota: at most `limit` requests in each window of `windowSeconds`. */
export interface Quota {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Counters live a little past their window (DynamoDB's TTL deletes them within about two days anyway). */
export const EXPIRY_GRACE_SECONDS = 60;

/** Writes a single counter item takes per second before it is split into shards (DynamoDB: ~1,000/s per item). */
export const SHARD_WRITES_PER_SECOND = 500;

/**
 * `RATE_LIMIT_SCALE`: multiplies every quota (tests and the perf harness raise limits with it; stage
 * `local` under `npm start`, like a deployed stage, runs at 1). Set in every stage; a number ≥ 1
 * (@tenantry/config refuses anything else, naming the variable).
 */
export function rateLimitScale(): number {
  return config.RATE_LIMIT_SCALE;
}

const PLANS = Object.keys(planLimits) as Plan[];
const isPlan = (plan: unknown): plan is Plan => typeof plan === 'string' && Object.hasOwn(planLimits, plan);

/** The plan a quota follows: the organization's, else (unknown or unreadable) the smallest, STARTER. */
const planOr = (plan: unknown): Plan => (isPlan(plan) ? plan : 'STARTER');

function perSecond(rate: RateLimit, scale: number): Quota {
  return { limit: Math.floor(rate.burst * scale), windowSeconds: rate.burst / rate.rps };
}

/** The quota of a counter; `plan` matters for `organization` and `apiKey` only. */
export function quotaOf(counter: Counter, plan: unknown, scale = rateLimitScale()): Quota {
  switch (counter.kind) {
    case 'organization':
    case 'apiKey':
      return perSecond(planLimits[planOr(plan)].rateLimit, scale);
    case 'user':
    case 'staff':
    case 'anonymous':
      return perSecond(rateLimits[counter.kind], scale);
    case 'hourly': {
      const perHour = rateLimits.perUserPerHour[counter.operation ?? ''];
      if (perHour === undefined) throw new Error(`no hourly limit for ${counter.operation}`);
      return { limit: Math.floor(perHour * scale), windowSeconds: 3600 };
    }
  }
}

/** The window length of a counter: known before the plan (schemas/ checks every plan has the same). */
export function windowOf(counter: Counter, scale = rateLimitScale()): number {
  return quotaOf(counter, 'STARTER', scale).windowSeconds;
}

/** No plan allows more in a window: the conditional `ADD` stops counting there. */
export function ceilingOf(counter: Counter, scale = rateLimitScale()): number {
  if (counter.kind !== 'organization' && counter.kind !== 'apiKey') return quotaOf(counter, undefined, scale).limit;
  return Math.max(...PLANS.map((plan) => quotaOf(counter, plan, scale).limit));
}

/**
 * How many items a counter is split into, by plan (unscaled: shards are about DynamoDB's per-item
 * throughput at the deployed limits): STARTER and PRO one, ENTERPRISE two. Each shard takes a
 * random half of the requests and admits up to half the quota.
 */
export function shardsOf(counter: Counter, plan: unknown): number {
  if (counter.kind !== 'organization' && counter.kind !== 'apiKey') return 1;
  if (!isPlan(plan)) return 1;
  return Math.max(1, Math.ceil(planLimits[plan].rateLimit.rps / SHARD_WRITES_PER_SECOND));
}

/** The start (epoch seconds) of the window that holds `nowMs`. */
export function windowStartOf(windowSeconds: number, nowMs: number): number {
  return Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
}

/**
 * The key of a counter item: `<kind>#<subject>#<window start>`, then `#<shard>` for shards above 0.
 * Subjects are ids of the verified context (or the source IP): no `#` in them to confuse the layout.
 */
export function counterKey(counter: Counter, windowStart: number, shard = 0): string {
  const base = `${counter.kind}#${counter.subject}#${windowStart}`;
  return shard > 0 ? `${base}#${shard}` : base;
}

/** Where counters are kept: one conditional `ADD` per request, any container. */
export interface CounterStore {
  /**
   * Adds one to the counter unless it already holds `ceiling`; sets its TTL attribute. Resolves to
   * the new count, or `undefined` when it is at the ceiling (nothing written).
   */
  increment(key: string, ceiling: number, expiresAt: number): Promise<number | undefined>;
  /** Gives a unit back: the request turned out not to count against this counter. */
  decrement(key: string): Promise<void>;
}

/** The counters in the rate-limits table (`RATE_LIMITS_TABLE`): items `{ pk, count, expiresAt }`. */
export function dynamoCounterStore(client?: DynamoDBDocumentClient): CounterStore {
  return {
    async increment(key, ceiling, expiresAt) {
      try {
        const result = await (client ?? documentClient()).send(
          new UpdateCommand({
            TableName: tables.rateLimits(),
            Key: { pk: key },
            UpdateExpression: 'ADD #count :one SET #expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :ceiling',
            ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: { ':one': 1, ':ceiling': ceiling, ':expiresAt': expiresAt },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(result.Attributes?.count);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
    async decrement(key) {
      try {
        await (client ?? documentClient()).send(
          new UpdateCommand({
            TableName: tables.rateLimits(),
            Key: { pk: key },
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: '#count > :zero',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}

/** A unit taken (or, at the ceiling or known to be exhausted, refused) of one counter in one window. */
export interface Take {
  readonly counter: Counter;
  readonly key: string;
  readonly shards: number;
  readonly windowStart: number;
  readonly windowSeconds: number;
  /** The count after this request (a lower bound when `written` is false); Infinity: at the ceiling. */
  readonly count: number;
  /** Whether this request added its unit (false: at the ceiling, or already known to be over). */
  readonly written: boolean;
}

/** What one counter says of a request. */
export interface Verdict {
  readonly allowed: boolean;
  /** The quota of the window (RateLimit-Limit). */
  readonly limit: number;
  /** Requests left in the window (RateLimit-Remaining). */
  readonly remaining: number;
  /** Whole seconds until the window ends (RateLimit-Reset; Retry-After of a 429). */
  readonly resetSeconds: number;
}

/** The verdict of one take under the quota of the organization's actual plan. */
export function verdictOf(take: Take, quota: Quota, nowMs: number): Verdict {
  const shardLimit = Math.ceil(quota.limit / take.shards);
  const allowed = take.count <= shardLimit;
  const remaining = allowed ? Math.min(quota.limit, (shardLimit - take.count) * take.shards) : 0;
  const endMs = (take.windowStart + take.windowSeconds) * 1000;
  return { allowed, limit: quota.limit, remaining, resetSeconds: Math.max(1, Math.ceil((endMs - nowMs) / 1000)) };
}

/**
 * Several counters, one answer: refused if any refuses (the refusal whose window ends last gives
 * Retry-After); else the counter with the fewest requests left gives the headers.
 */
export function combine(verdicts: readonly Verdict[]): Verdict | undefined {
  const refused = verdicts.filter((verdict) => !verdict.allowed);
  if (refused.length > 0) return refused.reduce((a, b) => (b.resetSeconds > a.resetSeconds ? b : a));
  return verdicts.reduce<Verdict | undefined>(
    (a, b) => (a === undefined || b.remaining < a.remaining ? b : a),
    undefined,
  );
}

/** The RateLimit header fields (IETF httpapi-ratelimit-headers draft) of a verdict, lower-case names. */
export function rateLimitHeaders(verdict: Verdict): Record<string, string> {
  return {
    'ratelimit-limit': String(verdict.limit),
    'ratelimit-remaining': String(verdict.remaining),
    'ratelimit-reset': String(verdict.resetSeconds),
  };
}

/** A bounded map: cleared when full (the entries are hints and memos, never needed for correctness). */
class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly bound: number) {
    super();
  }
  override set(key: string, value: V): this {
    if (this.size >= this.bound && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}

/** Per container: the last plan layer 2 read for an organization (picks the shard count before the read). */
const planHints = new BoundedMap<Plan>(10_000);
/** Per container: the highest count seen per counter item of the current windows (skips writes once over). */
const seenCounts = new BoundedMap<{ count: number; windowEnd: number }>(10_000);

/** The organization whose plan a counter follows (`organization`: itself; `apiKey`: the key's). */
export interface TakeOptions {
  store: CounterStore;
  now: () => number;
  scale: number;
  /** The organization whose plan decides the quota, for `organization` and `apiKey` counters. */
  organizationId?: string;
}

/** The plan this container last saw for an organization, if any. */
export function planHint(organizationId: string): Plan | undefined {
  return planHints.get(organizationId);
}

/** Remembers the plan of an organization layer 2 just read. */
export function notePlan(organizationId: string, plan: unknown): void {
  if (isPlan(plan)) planHints.set(organizationId, plan);
}

/**
 * Takes a unit of one counter: ONE conditional `ADD` (started before layer 2's read and awaited
 * with it), unless this container already saw the counter's shard over its quota in this window.
 */
export async function take(counter: Counter, options: TakeOptions, force = false): Promise<Take> {
  const nowMs = options.now();
  const hint = options.organizationId ? planHints.get(options.organizationId) : undefined;
  const windowSeconds = windowOf(counter, options.scale);
  const windowStart = windowStartOf(windowSeconds, nowMs);
  const shards = shardsOf(counter, hint);
  const shard = shards > 1 ? Math.floor(Math.random() * shards) : 0;
  const key = counterKey(counter, windowStart, shard);
  const windowEnd = windowStart + windowSeconds;
  const base = { counter, key, shards, windowStart, windowSeconds };

  const seen = seenCounts.get(key);
  const hintLimit = Math.ceil(quotaOf(counter, hint, options.scale).limit / shards);
  if (!force && seen && seen.windowEnd === windowEnd && seen.count > hintLimit) {
    return { ...base, count: seen.count, written: false };
  }
  const count = await options.store.increment(key, ceilingOf(counter, options.scale), windowEnd + EXPIRY_GRACE_SECONDS);
  const result = { ...base, count: count ?? Number.POSITIVE_INFINITY, written: count !== undefined };
  if (result.count > hintLimit) seenCounts.set(key, { count: result.count, windowEnd });
  return result;
}

/** Tests only: forget the per-container hints and memos. */
export function resetRateLimitMemory(): void {
  planHints.clear();
  seenCounts.clear();
}
