/**
 * Test fixtures: organizations (created, re-planned, suspended and deleted through the
 * organizations service), members with a role (invite + accept over HTTP, with `call` of
 * @tenantry/local-platform/testing), and direct reads of what is stored.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, organizationKey, organizationPk, queryAll, roleKey, tables, usageKey } from '@tenantry/dynamo';
import { call, type Reply, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { CustomRoleBaseRole, Permission, Plan, RoleKey } from '@tenantry/models';

export const db = () => documentClient();
export const membershipsTable = tables.memberships;
export const organizationsTable = tables.organizations;
export const notificationsTable = tables.notifications;

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
  const reply = await call(owner.token, 'POST', '/organizations', { name: `Org ${randomUUID().slice(0, 8)}` });
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
  await expectOk(await call(token, 'PUT', `/organizations/${organizationId}/plan`, { plan }), 'plan change');
}

/** Suspends (platform staff) or soft-deletes (its OWNER) an organization through the API. */
export async function setOrganizationStatus(organization: TestOrganization, status: 'SUSPENDED' | 'DELETED') {
  const reply =
    status === 'SUSPENDED'
      ? await call((await staff()).token, 'POST', `/organizations/${organization.id}/suspend`)
      : await call(organization.owner.token, 'DELETE', `/organizations/${organization.id}`);
  await expectOk(reply, `${status} transition`);
}

export async function invite(organizationId: string, token: string, email: string, role: RoleKey): Promise<Reply> {
  return call(token, 'POST', `/organizations/${organizationId}/invitations`, { email, role });
}

export async function accept(invitationId: string, token: string): Promise<Reply> {
  return call(token, 'POST', `/me/invitations/${invitationId}/accept`);
}

/** A new user who joined `org` with `role` through an invitation of the OWNER. */
export async function join(org: TestOrganization, role: RoleKey, user?: TestUser): Promise<TestUser> {
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
  const items = await queryAll(db(), {
    TableName: membershipsTable(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
    ConsistentRead: true,
  });
  const members = items.filter((item) => item.entity === 'Membership' && item.status === 'ACTIVE');
  const pending = items.filter((item) => item.entity === 'Invitation' && item.status === 'PENDING');
  return {
    members: members.length,
    pending: pending.length,
    owners: members.filter((item) => item.role === 'OWNER').map((item) => item.userId as string),
    roles: Object.fromEntries(members.map((item) => [item.userId as string, item.role as RoleKey])),
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

/** A custom role defined by the organization's OWNER through the organizations service (contract §9). */
export async function defineRole(
  org: TestOrganization,
  role: { key: string; baseRole: CustomRoleBaseRole; permissions: Permission[] },
): Promise<void> {
  const reply = await call(org.owner.token, 'POST', `/organizations/${org.id}/roles`, { name: role.key, ...role });
  if (reply.status !== 201) throw new Error(`POST roles answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

/** The stored `holders` of a custom role (undefined once the role item is gone). */
export async function holders(organizationId: string, key: string): Promise<number | undefined> {
  const result = await db().send(
    new GetCommand({ TableName: organizationsTable(), Key: roleKey(organizationId, key), ConsistentRead: true }),
  );
  return result.Item ? Number(result.Item.holders ?? 0) : undefined;
}

/** What really holds a role: ACTIVE members and stored-PENDING invitations naming it. */
export async function realHolders(organizationId: string, key: string): Promise<number> {
  const items = await queryAll(db(), {
    TableName: membershipsTable(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
    ConsistentRead: true,
  });
  return items.filter(
    (item) =>
      item.role === key &&
      ((item.entity === 'Membership' && item.status === 'ACTIVE') ||
        (item.entity === 'Invitation' && item.status === 'PENDING')),
  ).length;
}

/**
 * Deletes a role item behind the organizations service's back, leaving the organization item's
 * entry: what a request sees when the role is deleted between its read of the organization and its write.
 */
export async function dropRoleItem(organizationId: string, key: string): Promise<void> {
  await db().send(new DeleteCommand({ TableName: organizationsTable(), Key: roleKey(organizationId, key) }));
}

/** Deletes a custom role and its entry in the organization item behind the organizations service's back (its holders stay). */
export async function dropRole(organizationId: string, key: string): Promise<void> {
  await dropRoleItem(organizationId, key);
  await db().send(
    new UpdateCommand({
      TableName: organizationsTable(),
      Key: organizationKey(organizationId),
      UpdateExpression: 'REMOVE #roles.#key',
      ExpressionAttributeNames: { '#roles': 'roles', '#key': key },
    }),
  );
}
