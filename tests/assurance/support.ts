// Support of the assurance suite: the routes the services declare, requests through the ONE base
// URL with the one test client of @tenantry/local-platform/testing, and the fixtures the matrix
// and the rate-limit cells stand on. Fixtures are made through the API (custom roles and scoped API
// keys included); the only direct writes are rate-limit counters (the state the services' own
// conditional ADDs leave).
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  apiKeyKey,
  batchGetAll,
  documentClient,
  organizationPk,
  queryAll,
  tables,
  transactWrite,
} from '@tenantry/dynamo';
import { api, type Caller, type TestUser, testUser } from '@tenantry/local-platform/testing';

export { type TestUser, testUser };

// ---------------------------------------------------------------------------------------------
// Routes

export interface DeclaredRoute {
  service: string;
  /** The serverless function's name: the operationId (health checks: `health`). */
  operation: string;
  method: string;
  path: string;
  /** `METHOD /path`, the key of EXPECTATIONS. */
  key: string;
}

const servicesDir = new URL('../../services/', import.meta.url);

/**
 * Every `httpApi` event of every service's serverless.yml, with the function that declares it. A
 * line-level reader (the files carry CloudFormation tags a plain YAML parser rejects); it fails when
 * an httpApi event is written in a form it does not read, so no route can slip past it.
 */
export function declaredRoutes(): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const service of readdirSync(servicesDir, { withFileTypes: true })) {
    if (!service.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(new URL(`${service.name}/serverless.yml`, servicesDir), 'utf8');
    } catch {
      continue;
    }
    let inFunctions = false;
    let fn: string | undefined;
    let found = 0;
    for (const line of text.split('\n')) {
      if (/^\S/.test(line)) {
        inFunctions = /^functions:\s*$/.test(line);
        fn = undefined;
        continue;
      }
      const name = inFunctions ? /^ {2}([A-Za-z0-9_]+):\s*$/.exec(line) : null;
      if (name) fn = name[1];
      const event = /httpApi:\s*\{\s*method:\s*([A-Za-z]+),\s*path:\s*(?:"([^"]+)"|([^\s,}]+))\s*\}/.exec(line);
      if (event && fn) {
        found++;
        const method = event[1]!.toUpperCase();
        const path = (event[2] ?? event[3])!;
        routes.push({ service: service.name, operation: fn, method, path, key: `${method} ${path}` });
      }
    }
    const declared = (text.match(/^\s*-\s*httpApi\b/gm) ?? []).length;
    if (declared !== found) {
      throw new Error(`${service.name}/serverless.yml: ${declared} httpApi events, ${found} read`);
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: an answer is whatever came back
  body: any;
  /** The body as sent (for the no-leak check). */
  text: string;
}

/** One request through the typed client of the contract, path and body unchecked; the full answer. */
export async function send(
  caller: Caller,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { data, error, response } = await api(caller, headers).request(
    method.toLowerCase() as never,
    path as never,
    {
      ...(body !== undefined ? { body } : {}),
      bodySerializer: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
      parseAs: 'text',
    } as never,
  );
  // openapi-fetch hands back a success as text (parseAs) and an error already parsed when it is JSON.
  const raw: unknown = response.ok ? data : error;
  const text = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      // not JSON: kept as text
    }
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** No answer of the policy: the platform busy (503, nothing executed, contract §8) or an emulator hiccup. */
const BUSY = [502, 503, 504, 599];

/**
 * Sends until the answer is not a busy one, `attempts` times at most. The pause between two sends is
 * the Retry-After the platform asked for (1 s without one): a well-behaved client's fixed wait, not
 * a poll for a condition.
 */
export async function sendWhileBusy(sendOnce: () => Promise<Answer>, attempts = 4): Promise<Answer> {
  let answer = await sendOnce();
  for (let attempt = 1; attempt < attempts && BUSY.includes(answer.status); attempt++) {
    await delay((Number(answer.headers.get('retry-after')) || 1) * 1000);
    answer = await sendOnce();
  }
  return answer;
}

/**
 * An arrangement step (not what a cell asserts), sent again while the platform is busy (a worker
 * still starting, say), with the same Idempotency-Key, so a create happens once. Fails unless the
 * answer is `expected`.
 */
export async function arrange(
  caller: Caller,
  method: string,
  path: string,
  body: unknown,
  expected: number,
): Promise<Answer> {
  const headers: Record<string, string> = method === 'POST' ? { 'idempotency-key': randomUUID() } : {};
  const answer = await sendWhileBusy(() => send(caller, method, path, body, headers), 6);
  if (answer.status !== expected) {
    throw new Error(`arrange ${method} ${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
  }
  return answer;
}

/** Runs `tasks` with at most `size` in flight; results in the order of `tasks`. */
export async function pool<T>(size: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Fixtures, through the API

/** A role a member is given: a built-in one below OWNER, or the key of one of the organization's custom roles. */
export type GivenRole = 'ADMIN' | 'MEMBER' | 'VIEWER' | (string & {});

export const randomEmail = (): string => `assurance-${randomUUID()}@example.test`;
export const missingOrganizationId = (): string => `org_${randomUUID().replaceAll('-', '')}`;

export async function createOrganization(owner: TestUser, name = `Assurance ${randomUUID()}`) {
  const answer = await arrange(owner, 'POST', '/organizations', { name }, 201);
  return { id: answer.body.id as string, name };
}

export async function changePlan(platformOwner: TestUser, orgId: string, plan: string): Promise<void> {
  await arrange(platformOwner, 'PUT', `/organizations/${orgId}/plan`, { plan }, 200);
}

export interface CustomRole {
  key: string;
  baseRole: 'ADMIN' | 'MEMBER' | 'VIEWER';
  permissions: string[];
}

/** A custom role of `orgId` (contract §9), defined by `by` (its OWNER or the platform OWNER). */
export async function createRole(by: TestUser, orgId: string, role: CustomRole): Promise<void> {
  await arrange(by, 'POST', `/organizations/${orgId}/roles`, { ...role, name: `Assurance ${role.key}` }, 201);
}

export async function invite(by: TestUser, orgId: string, email: string, role: GivenRole): Promise<string> {
  const answer = await arrange(by, 'POST', `/organizations/${orgId}/invitations`, { email, role }, 201);
  return answer.body.id as string;
}

/** `user` becomes an ACTIVE member of `orgId` with `role` (invited by `by`, accepted by `user`). */
export async function join(by: TestUser, orgId: string, user: TestUser, role: GivenRole): Promise<void> {
  const invitationId = await invite(by, orgId, user.email, role);
  await arrange(user, 'POST', `/me/invitations/${invitationId}/accept`, undefined, 200);
}

/** An application of `orgId` and its first key, with `scopes` (contract §6; absent: the default). */
export async function createApplication(by: TestUser, orgId: string, scopes?: readonly string[]) {
  const body = { name: 'Assurance app', ...(scopes ? { scopes } : {}) };
  const answer = await arrange(by, 'POST', `/organizations/${orgId}/applications`, body, 201);
  return { id: answer.body.application.id as string, apiKey: answer.body.apiKey as string };
}

export async function rotate(by: TestUser, orgId: string, appId: string): Promise<void> {
  await arrange(by, 'POST', `/organizations/${orgId}/applications/${appId}/api-keys/rotate`, undefined, 200);
}

// ---------------------------------------------------------------------------------------------
// Rate-limit counters (docs/adr/0003-rate-limits.md: `<kind>#<subject>#<window start>`, fixed
// windows aligned on epoch seconds, TTL `expiresAt` = window end + 60 s).

export const rateLimitScale = (): number => Number(process.env.RATE_LIMIT_SCALE ?? 1);

export const windowStart = (windowSeconds: number, nowMs = Date.now()): number =>
  Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;

/** Sets the counter `<kind>#<subject>` of `windows` windows from now's on to `count`. */
export async function seedCounter(
  kind: string,
  subject: string,
  windowSeconds: number,
  count: number,
  windows: number,
): Promise<void> {
  const first = windowStart(windowSeconds);
  await transactWrite({
    TransactItems: Array.from({ length: windows }, (_, i) => {
      const start = first + i * windowSeconds;
      return {
        Put: {
          TableName: tables.rateLimits(),
          Item: { pk: `${kind}#${subject}#${start}`, count, expiresAt: start + windowSeconds + 60 },
        },
      };
    }),
  });
}

/** The counts of `<kind>#<subject>` in the `windows` windows from `first` on (0 when absent). */
export async function counterCounts(
  kind: string,
  subject: string,
  windowSeconds: number,
  first: number,
  windows: number,
): Promise<number[]> {
  const keys = Array.from({ length: windows }, (_, i) => `${kind}#${subject}#${first + i * windowSeconds}`);
  const found = await batchGetAll(documentClient(), {
    [tables.rateLimits()]: { Keys: keys.map((pk) => ({ pk })), ConsistentRead: true },
  });
  const counts = new Map((found[tables.rateLimits()] ?? []).map((item) => [item.pk as string, Number(item.count)]));
  return keys.map((key) => counts.get(key) ?? 0);
}

/**
 * Waits until a window of `seconds` has just begun. A rate-limit window is wall-clock time, so this
 * wait is timed on purpose: there is no condition to poll.
 */
export async function nextWindow(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await delay(ms - (Date.now() % ms) + 50);
}

// ---------------------------------------------------------------------------------------------
// The stored state of one organization, read straight from DynamoDB Local (assertions only)

const STORED_TABLES = ['organizations', 'memberships', 'applications', 'notifications'] as const;

/**
 * Every item of the organization's partition `ORG#<id>` in each table that holds one (organization,
 * usage, memberships, invitations, email claims, applications, tombstones, secrets), the items of
 * its API keys (`keyHashes`) and the organizations `userIds` belong to (gsi1 of memberships), as one
 * canonical string. Audit entries are left out: they arrive asynchronously from the events of the
 * arrangement (a refused request publishes none, so none of them can be its effect).
 */
export async function snapshot(
  orgId: string,
  options: { apiKeys?: string[]; userIds?: string[] } = {},
): Promise<string> {
  const client = documentClient();
  const partitions = await Promise.all(
    STORED_TABLES.map(async (table) => {
      const items = await queryAll(client, {
        TableName: tables[table](),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': organizationPk(orgId) },
        ConsistentRead: true,
      });
      return items.filter((item) => !String(item.sk).startsWith('AUDIT#')).map((item) => ({ table, ...item }));
    }),
  );
  const keyItems = options.apiKeys?.length
    ? ((
        await batchGetAll(client, {
          [tables.applications()]: {
            Keys: options.apiKeys.map((key) => apiKeyKey(createHash('sha256').update(key, 'utf8').digest('hex'))),
            ConsistentRead: true,
          },
        })
      )[tables.applications()] ?? [])
    : [];
  const memberships = await Promise.all(
    (options.userIds ?? []).map((userId) =>
      queryAll(client, {
        TableName: tables.memberships(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      }),
    ),
  );
  return canonical([...partitions.flat(), ...keyItems, ...memberships.flat()]);
}

function canonical(items: Record<string, unknown>[]): string {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value instanceof Set) return [...value].map(sorted).sort();
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return items
    .map((item) => JSON.stringify(sorted(item)))
    .sort()
    .join('\n');
}

/** The invariants of §2 and §4, from the stored items: one OWNER who is `ownerId`, counters equal real counts. */
export async function invariants(orgId: string) {
  const client = documentClient();
  const [orgItems, memberItems, appItems] = await Promise.all(
    (['organizations', 'memberships', 'applications'] as const).map((table) =>
      queryAll(client, {
        TableName: tables[table](),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': organizationPk(orgId) },
        ConsistentRead: true,
      }),
    ),
  );
  const organization = orgItems!.find((item) => item.sk === 'ORG');
  const usage = orgItems!.find((item) => item.sk === 'USAGE') ?? {};
  const members = memberItems!.filter((item) => item.entity === 'Membership' && item.status === 'ACTIVE');
  const pending = memberItems!.filter((item) => item.entity === 'Invitation' && item.status === 'PENDING');
  const owners = members.filter((item) => item.role === 'OWNER').map((item) => item.userId as string);
  return {
    owners,
    ownerId: organization?.ownerId as string | undefined,
    members: members.length,
    pending: pending.length,
    applications: appItems!.filter((item) => String(item.sk).startsWith('APP#')).length,
    customRoles: orgItems!.filter((item) => String(item.sk).startsWith('ROLE#')).length,
    roles: Object.fromEntries(members.map((item) => [item.userId as string, item.role as string])),
    counters: {
      seats: Number(usage.seats ?? 0),
      activeMembers: Number(usage.activeMembers ?? 0),
      applications: Number(usage.applications ?? 0),
      customRoles: Number(usage.customRoles ?? 0),
    },
  };
}

/** Exactly one OWNER, the organization's `ownerId`; every usage counter equals its real count. */
export async function invariantViolations(orgId: string): Promise<string[]> {
  const state = await invariants(orgId);
  const violations: string[] = [];
  if (state.owners.length !== 1 || state.owners[0] !== state.ownerId) {
    violations.push(`${orgId}: OWNER members ${JSON.stringify(state.owners)}, ownerId ${state.ownerId}`);
  }
  const real = {
    seats: state.members + state.pending,
    activeMembers: state.members,
    applications: state.applications,
    customRoles: state.customRoles,
  };
  if (JSON.stringify(real) !== JSON.stringify(state.counters)) {
    violations.push(`${orgId}: counters ${JSON.stringify(state.counters)}, real counts ${JSON.stringify(real)}`);
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// The suite's one summary line

export const SUMMARY_PARTS = {
  matrix: 'matrix cells',
  hostile: 'hostile inputs',
  tokens: 'token checks',
  races: 'race rounds',
  revocation: 'revocations',
  killRestart: 'kill-restart writes',
} as const;

/**
 * Records what one file of the suite ran (in the test platform's data dir); the file that finds every
 * part recorded prints the one summary line of the suite.
 */
export function recordPart(part: keyof typeof SUMMARY_PARTS, ran: number, failed: number): void {
  const dir = joinPath(process.env.TENANTRY_DATA_DIR ?? tmpdir(), 'assurance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(joinPath(dir, `${part}.json`), JSON.stringify({ ran, failed }));
  const recorded = Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [
        name.slice(0, -5),
        JSON.parse(readFileSync(joinPath(dir, name), 'utf8')) as { ran: number; failed: number },
      ]),
  );
  if (!Object.keys(SUMMARY_PARTS).every((name) => recorded[name])) return;
  const counts = Object.entries(SUMMARY_PARTS).map(([name, label]) => `${recorded[name]!.ran} ${label}`);
  const failures = Object.values(recorded).reduce((sum, part) => sum + part.failed, 0);
  process.stdout.write(`assurance: ${counts.join(', ')}; ${failures} failed\n`);
}
