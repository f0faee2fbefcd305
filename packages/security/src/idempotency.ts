import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isConditionFailure, tables } from '@tenantry/dynamo';
import { ConflictError, IdempotencyKeyReusedError, ValidationFailedError } from '@tenantry/errors';
import type { Context } from 'aws-lambda';
import type { SecurityContext } from './context';
import { logger } from './logger';
import type { RouteResult } from './middleware/httpResponse';
import type { RequestState } from './middleware/state';

/** 24 hours (contract §5). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a claim holds when the Lambda context cannot say how much time the request has left. */
const DEFAULT_IN_PROGRESS_MS = 30_000;

/**
 * One Idempotency-Key's record in the table `IDEMPOTENCY_TABLE` (key `id`, TTL attribute
 * `expiration`, epoch seconds). `validation` is the hash of what must be identical for a replay;
 * `inProgressUntil` (epoch ms) is when a claim whose request died may be taken over.
 */
interface IdempotencyRecord {
  id: string;
  status: 'INPROGRESS' | 'COMPLETED';
  expiration: number;
  inProgressUntil: number;
  validation: string;
  /** The answer, as JSON (sealed if the route has a ReplayProtection); only when COMPLETED. */
  data?: string;
}

/**
 * How a route keeps a secret of its answer out of the idempotency table: the stored copy of the
 * first answer is `seal`ed (e.g. a plaintext API key encrypted under the organization's key), and
 * every answer, the first and each replay, is `open`ed from it. Without it, the answer is stored as is.
 */
export interface ReplayProtection {
  seal(result: RouteResult, context: SecurityContext): Promise<RouteResult>;
  open(stored: RouteResult, context: SecurityContext): Promise<RouteResult>;
}

type Business = (state: RequestState) => Promise<RouteResult>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted at every depth: the same value always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Claims the key with a conditional put: it succeeds when no live record holds the key (none, one
 * past its TTL, or a claim whose request ran out of time). Otherwise returns the record that holds
 * it, or no holder when that record was deleted in between (the caller claims again).
 */
async function claim(
  record: IdempotencyRecord,
  now: number,
): Promise<{ claimed: true } | { claimed: false; holder: IdempotencyRecord | undefined }> {
  const client = documentClient();
  const TableName = tables.idempotency();
  try {
    await client.send(
      new PutCommand({
        TableName,
        Item: record,
        ConditionExpression:
          'attribute_not_exists(id) OR expiration < :nowSeconds OR (#status = :inProgress AND inProgressUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':nowSeconds': Math.floor(now / 1000), ':now': now, ':inProgress': 'INPROGRESS' },
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const { Item } = await client.send(new GetCommand({ TableName, Key: { id: record.id }, ConsistentRead: true }));
  return { claimed: false, holder: Item as IdempotencyRecord | undefined };
}

/** Whether a record no longer holds its key: past its TTL (not yet deleted), or a claim that ran out of time. */
const isStale = (record: IdempotencyRecord, now: number) =>
  record.expiration < Math.floor(now / 1000) || (record.status === 'INPROGRESS' && record.inProgressUntil < now);

/** The key and condition of a write to our own claim: one another request took over is left alone. */
const ownClaim = (record: IdempotencyRecord) => ({
  TableName: tables.idempotency(),
  Key: { id: record.id },
  ConditionExpression: '#status = :inProgress AND inProgressUntil = :until',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':inProgress': 'INPROGRESS', ':until': record.inProgressUntil },
});

/** Completes our claim with the answer. */
async function complete(record: IdempotencyRecord, data: string): Promise<void> {
  const claim = ownClaim(record);
  await documentClient().send(
    new UpdateCommand({
      ...claim,
      UpdateExpression: 'SET #status = :completed, #data = :data',
      ExpressionAttributeNames: { ...claim.ExpressionAttributeNames, '#data': 'data' },
      ExpressionAttributeValues: { ...claim.ExpressionAttributeValues, ':completed': 'COMPLETED', ':data': data },
    }),
  );
}

/** Releases our claim after a failed call, so a retry with the same key runs. */
async function release(record: IdempotencyRecord): Promise<void> {
  await documentClient().send(new DeleteCommand(ownClaim(record)));
}

/**
 * What an `Idempotency-Key` names: THIS principal's request to THIS operation of THIS organization
 * (hex SHA-256). Another principal, organization or route using the same key is another request: a
 * key a client chose can never make someone else's create vanish into a replay. A route's function
 * gets it as `idempotencyScope`, to derive ids a retried request must find again.
 */
export function idempotencyScope(state: RequestState, key: string): string {
  const principal = state.principal!;
  const organizationId = state.security && 'organizationId' in state.security ? state.security.organizationId : null;
  return sha256(JSON.stringify([principal.kind, principal.id, organizationId, state.operation, key]));
}

/**
 * `Idempotency-Key` for creates, kept in DynamoDB (one conditional put to claim the key, one update
 * to store the answer). Runs after authentication, validation and authorization, so a replay needs
 * the same rights as the first call. Same key + same request → the first response replayed, no
 * second effect; same key + another request → 409 IDEMPOTENCY_KEY_REUSED; same key while the first
 * is running → 409 CONFLICT. A failed first call stores nothing, so it may be retried with the same key.
 * Keys are scoped (see {@link idempotencyScope}): two principals' keys never collide.
 */
export function withIdempotency(
  business: Business,
  protection?: ReplayProtection,
): (state: RequestState, context: Context) => Promise<RouteResult> {
  return async (state, context) => {
    const key = state.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return business(state);
    if (!KEY.test(key)) {
      throw new ValidationFailedError([
        { field: 'header.Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    state.idempotencyScope = idempotencyScope(state, key);
    const now = Date.now();
    const record: IdempotencyRecord = {
      id: `tenantry#${state.idempotencyScope}`,
      status: 'INPROGRESS',
      expiration: Math.floor(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
      inProgressUntil: now + (context.getRemainingTimeInMillis?.() ?? DEFAULT_IN_PROGRESS_MS),
      validation: sha256(
        canonicalJson([state.operation, state.params, state.query, state.body === undefined ? null : state.body]),
      ),
    };

    // A stale or vanished record is taken over by claiming again; a third collision is a race still running.
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await claim(record, Date.now());
      if (outcome.claimed) return run(record);
      const { holder } = outcome;
      if (!holder || isStale(holder, Date.now())) continue;
      if (holder.validation !== record.validation) throw new IdempotencyKeyReusedError();
      if (holder.status === 'COMPLETED' && holder.data !== undefined) {
        state.replayed = true;
        const stored = JSON.parse(holder.data) as RouteResult;
        return protection ? protection.open(stored, state.security!) : stored;
      }
      break;
    }
    throw new ConflictError('A request with this Idempotency-Key is still in progress');

    async function run(claimed: IdempotencyRecord): Promise<RouteResult> {
      let result: RouteResult;
      try {
        result = await business(state);
      } catch (error) {
        await release(claimed).catch((releaseError: unknown) =>
          logger.warn('idempotency claim not released; the key is busy until it expires', {
            error: releaseError as Error,
          }),
        );
        throw error;
      }
      const stored = protection ? await protection.seal(result, state.security!) : result;
      // The effect happened: a record that cannot be stored must not turn the answer into an error
      // the client would retry. Until the claim expires, a retry answers 409 CONFLICT.
      await complete(claimed, JSON.stringify(stored)).catch((error: unknown) =>
        logger.warn('idempotency record not completed', { error: error as Error }),
      );
      return protection ? protection.open(stored, state.security!) : stored;
    }
  };
}
