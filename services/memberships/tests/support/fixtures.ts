/**
 * Test fixtures: HTTP calls through the gateway, organizations (created, re-planned, suspended and
 * deleted through the organizations service), members with a role (invite + accept over HTTP), and
 * direct reads of what is stored.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, organizationPk, usageKey } from '@tenantry/dynamo';
import { baseUrl, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { OrganizationRole, Plan } from '@tenantry/models';

export const db = () => documentClient();
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
export const membershipsTable = () => env('MEMBERSHIPS_TABLE');
export const organizationsTable = () => env('ORGANIZATIONS_TABLE');
export const notificationsTable = () => env('NOTIFICATIONS_TABLE');

// biome-ignore lint/suspicious/noExplicitAny: tests read success and error bodies of any route
export type Loose = any;

export interface Reply<T = Loose> {
  status: number;
  body: T;
}

/**
 * serverless-offline answers a Lambda that timed out or crashed with HTTP 200 and an
 * `errorMessage` body (docs: toolchain note). That is the local emulator under load (two cores
 * shared with DynamoDB Local, cognito-local and other test runs), never an answer of the service:
 * it is reported as status 599 so no test mistakes it for a success. GETs are retried.
 */
export const PLATFORM_HICCUP = 599;

export async function http<T = Loose>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = (text ? JSON.parse(text) : undefined) as Loose;
    const hiccup = response.status >= 502 || (body && typeof body === 'object' && 'errorMessage' in body);
    if (!hiccup) return { status: response.status, body };
    if (method !== 'GET' || attempt >= 3) return { status: PLATFORM_HICCUP, body };
  }
}

export interface TestOrganization {
  id: string;
  owner: TestUser;
  plan: Plan;
}

let platformOwner: Promise<TestUser> | undefined;
/** A user of the platform OWNER group (plan changes, suspension), created once per test file. */
const staff = () => {
  platformOwner ??= testUser({ group: 'OWNER' });
  return platformOwner;
};

/** An organization created through the organizations service by `owner` (a fresh user unless given). */
export async function createOrganization(options: { owner?: TestUser; plan?: Plan } = {}): Promise<TestOrganization> {
  const owner = options.owner ?? (await testUser());
  const plan = options.plan ?? 'STARTER';
  const reply = await http('POST', '/organizations', {
    token: owner.token,
    body: { name: `Org ${randomUUID().slice(0, 8)}` },
  });
  if (reply.status !== 201)
    throw new Error(`POST /organizations answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  const id = reply.body.id as string;
  if (plan !== 'STARTER') await setPlan(id, plan);
  return { id, owner, plan };
}

async function expectOk(reply: Reply, what: string): Promise<void> {
  if (reply.status !== 200) throw new Error(`${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

/** A plan change by platform staff (downgrades may leave usage above the limit). */
export async function setPlan(organizationId: string, plan: Plan): Promise<void> {
  const { token } = await staff();
  await expectOk(await http('PUT', `/organizations/${organizationId}/plan`, { token, body: { plan } }), 'plan change');
}

/** Suspends (platform staff) or soft-deletes (its OWNER) an organization through the API. */
export async function setOrganizationStatus(organization: TestOrganization, status: 'SUSPENDED' | 'DELETED') {
  const reply =
    status === 'SUSPENDED'
      ? await http('POST', `/organizations/${organization.id}/suspend`, { token: (await staff()).token })
      : await http('DELETE', `/organizations/${organization.id}`, { token: organization.owner.token });
  await expectOk(reply, `${status} transition`);
}

export async function invite(
  organizationId: string,
  token: string,
  email: string,
  role: OrganizationRole,
): Promise<Reply> {
  return http('POST', `/organizations/${organizationId}/invitations`, { token, body: { email, role } });
}

export async function accept(invitationId: string, token: string): Promise<Reply> {
  return http('POST', `/me/invitations/${invitationId}/accept`, { token });
}

/** A new user who joined `org` with `role` through an invitation of the OWNER. */
export async function join(org: TestOrganization, role: OrganizationRole, user?: TestUser): Promise<TestUser> {
  const member = user ?? (await testUser());
  const invited = await invite(org.id, org.owner.token, member.email, role);
  if (invited.status !== 201) throw new Error(`invite answered ${invited.status}: ${JSON.stringify(invited.body)}`);
  const accepted = await accept(invited.body.id, member.token);
  if (accepted.status !== 200) throw new Error(`accept answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return member;
}

export async function usage(organizationId: string): Promise<{ seats: number; activeMembers: number }> {
  const result = await db().send(
    new GetCommand({ TableName: organizationsTable(), Key: usageKey(organizationId), ConsistentRead: true }),
  );
  return result.Item as { seats: number; activeMembers: number };
}

/** What is really stored: ACTIVE memberships (by role) and PENDING invitations (stored status). */
export async function realCounts(organizationId: string) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: membershipsTable(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((result.Items ?? []) as Record<string, unknown>[]));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  const members = items.filter((item) => item.entity === 'Membership' && item.status === 'ACTIVE');
  const pending = items.filter((item) => item.entity === 'Invitation' && item.status === 'PENDING');
  return {
    members: members.length,
    pending: pending.length,
    owners: members.filter((item) => item.role === 'OWNER').map((item) => item.userId as string),
    roles: Object.fromEntries(members.map((item) => [item.userId as string, item.role as OrganizationRole])),
  };
}

/** Counters equal the real counts: seats = ACTIVE members + PENDING invitations; activeMembers = ACTIVE members. */
export async function countersMatch(organizationId: string) {
  const [counters, real] = await Promise.all([usage(organizationId), realCounts(organizationId)]);
  return {
    seats: counters.seats,
    activeMembers: counters.activeMembers,
    expectedSeats: real.members + real.pending,
    expectedActiveMembers: real.members,
  };
}

/** Moves an invitation's expiry into the past, as if 7 days had gone by (TTL has not deleted it). */
export async function lapse(organizationId: string, invitationId: string): Promise<void> {
  await db().send(
    new UpdateCommand({
      TableName: membershipsTable(),
      Key: { pk: organizationPk(organizationId), sk: `INVITATION#${invitationId}` },
      UpdateExpression: 'SET expiresAt = :past',
      ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
    }),
  );
}

export async function storedInvitation(organizationId: string, invitationId: string) {
  const result = await db().send(
    new GetCommand({
      TableName: membershipsTable(),
      Key: { pk: organizationPk(organizationId), sk: `INVITATION#${invitationId}` },
      ConsistentRead: true,
    }),
  );
  return result.Item;
}

/** The audit log entries of an organization (written by the notifications service from the bus). */
export async function auditTypes(organizationId: string): Promise<string[]> {
  const result = await db().send(
    new QueryCommand({
      TableName: notificationsTable(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId), ':audit': 'AUDIT#' },
    }),
  );
  return (result.Items ?? []).map((item) => item.type as string);
}

export async function putRaw(table: string, item: Record<string, unknown>) {
  await db().send(new PutCommand({ TableName: table, Item: item }));
}

export const randomEmail = () => `invitee-${randomUUID()}@example.test`;
