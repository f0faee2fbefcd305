// Helpers of the applications tests: HTTP through the one base URL of the test platform, users from
// the local pool, organizations created through the API, members added directly (the memberships
// service owns invitations; these tests need roles now), and direct reads of what is stored.
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, jest } from '@jest/globals';
import {
  apiKeyKey,
  documentClient,
  membershipItem,
  organizationKey,
  organizationPk,
  tables,
  usageKey,
} from '@tenantry/dynamo';
import { PLATFORM_HICCUP, call as sharedCall, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { OrganizationRole, Plan } from '@tenantry/models';
import { hashApiKey } from '@tenantry/security';

export { eventually, type TestUser, testUser } from '@tenantry/local-platform/testing';

// biome-ignore lint/suspicious/noExplicitAny: tests read success and error bodies of any route
export type Loose = any;

export interface Reply {
  status: number;
  body: Loose;
}

export interface Credentials {
  user?: TestUser;
  apiKey?: string;
  headers?: Record<string, string>;
}

export { PLATFORM_HICCUP } from '@tenantry/local-platform/testing';

/**
 * One HTTP call through the gateway with the one test client of `@tenantry/local-platform/testing`
 * (emulator hiccups come back as 599, GETs are retried), as a user, an API key, both, or nobody.
 */
export async function call(method: string, path: string, who: Credentials = {}, body?: unknown): Promise<Reply> {
  return sharedCall(
    { ...(who.user ? { token: who.user.token } : {}), ...(who.apiKey !== undefined ? { apiKey: who.apiKey } : {}) },
    method,
    path,
    body,
    who.headers,
  );
}

export const errorCode = (reply: Reply): string | undefined => reply.body?.error?.code;

/**
 * A call that ARRANGES a test (never the call under test): retried on 503 SERVICE_UNAVAILABLE after
 * its Retry-After, as a well-behaved client does, since the local emulator shares two cores with
 * other runs. Creates carry an Idempotency-Key, so a retry never creates twice.
 */
async function arrange(method: string, path: string, who: Credentials, body?: unknown): Promise<Reply> {
  const headers = method === 'POST' ? { 'idempotency-key': `arrange-${randomUUID()}`, ...who.headers } : who.headers;
  for (let attempt = 1; ; attempt++) {
    const reply = await call(method, path, { ...who, ...(headers ? { headers } : {}) }, body);
    if ((reply.status !== 503 && reply.status !== PLATFORM_HICCUP) || attempt >= 5) return reply;
    // The security stack answers 503 with `Retry-After: 2`.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export interface Cast {
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  viewer: TestUser;
  outsider: TestUser;
  platformOwner: TestUser;
  employee: TestUser;
}

export async function cast(): Promise<Cast> {
  const [owner, admin, member, viewer, outsider, platformOwner, employee] = await Promise.all([
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser({ group: 'OWNER' }),
    testUser({ group: 'EMPLOYEE' }),
  ]);
  return { owner, admin, member, viewer, outsider, platformOwner, employee };
}

/**
 * The cast of this test file, filled in by a `beforeAll` before its tests run. Also raises the file's
 * test timeout: many calls per test through a local platform that shares two cores with other runs.
 */
export function castOfThisFile(): Cast {
  jest.setTimeout(120_000);
  const people = {} as Cast;
  beforeAll(async () => {
    Object.assign(people, await cast());
  }, 60_000);
  return people;
}

/** `POST /organizations` as `owner` (201 expected); the plan is then set by the platform OWNER. */
export async function createOrganization(owner: TestUser, plan: Plan = 'STARTER', staff?: TestUser) {
  const reply = await arrange('POST', '/organizations', { user: owner }, { name: `Org ${randomUUID().slice(0, 8)}` });
  if (reply.status !== 201) throw new Error(`create organization: ${reply.status} ${JSON.stringify(reply.body)}`);
  const id = reply.body.id as string;
  if (plan !== 'STARTER') await setPlan(id, plan, staff ?? (await testUser({ group: 'OWNER' })));
  return id;
}

export async function setPlan(organizationId: string, plan: Plan, staff: TestUser): Promise<void> {
  const reply = await arrange('PUT', `/organizations/${organizationId}/plan`, { user: staff }, { plan });
  if (reply.status !== 200) throw new Error(`plan change: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** An ACTIVE membership written directly, with the seat it takes. */
export async function addMember(organizationId: string, user: TestUser, role: Exclude<OrganizationRole, 'OWNER'>) {
  const now = new Date().toISOString();
  await documentClient().send(
    new PutCommand({
      TableName: tables.memberships(),
      Item: membershipItem({
        organizationId,
        userId: user.userId,
        email: user.email,
        role,
        status: 'ACTIVE',
        joinedAt: now,
        updatedAt: now,
      }),
    }),
  );
  await documentClient().send(
    new UpdateCommand({
      TableName: tables.organizations(),
      Key: usageKey(organizationId),
      UpdateExpression: 'ADD seats :one, activeMembers :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** A new organization of `people.owner` with an ADMIN, a MEMBER and a VIEWER. */
export async function organizationWithMembers(people: Cast, plan: Plan = 'STARTER'): Promise<string> {
  const id = await createOrganization(people.owner, plan, people.platformOwner);
  await Promise.all([
    addMember(id, people.admin, 'ADMIN'),
    addMember(id, people.member, 'MEMBER'),
    addMember(id, people.viewer, 'VIEWER'),
  ]);
  return id;
}

/** `POST …/applications` as `user` (201 expected): the application and its plaintext key. */
export async function createApplication(
  organizationId: string,
  user: TestUser,
  name = 'Billing sync',
  extra: { scopes?: string[]; expiresAt?: string } = {},
) {
  const reply = await arrange('POST', `/organizations/${organizationId}/applications`, { user }, { name, ...extra });
  if (reply.status !== 201) throw new Error(`create application: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { app: reply.body.application as Loose, apiKey: reply.body.apiKey as string };
}

export const appPath = (organizationId: string, appId: string, rest = '') =>
  `/organizations/${organizationId}/applications/${appId}${rest}`;

/** Every item under ORG#<id> of the applications table. */
export async function applicationItems(organizationId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tables.applications(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/** The stored item of an API key (by the key), or undefined. */
export async function keyItem(apiKey: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.applications(), Key: apiKeyKey(hashApiKey(apiKey)), ConsistentRead: true }),
  );
  return Item;
}

export async function usage(organizationId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.organizations(), Key: usageKey(organizationId), ConsistentRead: true }),
  );
  return Item;
}

export async function organizationItem(organizationId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.organizations(), Key: organizationKey(organizationId), ConsistentRead: true }),
  );
  return Item;
}

/** The audit log entries of an organization (the notifications service records every event). */
export async function auditTypes(organizationId: string): Promise<string[]> {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tables.notifications(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId), ':audit': 'AUDIT#' },
    }),
  );
  return (Items ?? []).map((item) => String(item.type));
}

/** The same 401 body, request id aside. */
export const unauthenticated = (reply: Reply) => ({
  status: reply.status,
  code: errorCode(reply),
  message: reply.body?.error?.message,
});

export const missingOrganizationId = (): string => `org_${randomUUID().replaceAll('-', '')}`;
