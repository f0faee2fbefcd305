// Helpers of the organizations tests: users from the local pool, organizations through the API (the
// one test client of @tenantry/local-platform/testing), and direct table access for arranging state
// and checking what was (not) written.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  documentClient,
  membershipItem,
  membershipKey,
  organizationKey,
  organizationPk,
  tables,
  usageKey,
} from '@tenantry/dynamo';
import { call, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { Organization, OrganizationRole } from '@tenantry/models';

/** Creates an organization as `owner` through the API (201 expected). */
export async function createOrganization(owner: TestUser, name = `Org ${Math.random().toString(36).slice(2, 8)}`) {
  const reply = await call<Organization>(owner, 'POST', '/organizations', { name });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Adds an ACTIVE membership directly (the memberships service owns invitations; tests need roles now). */
export async function addMember(organizationId: string, user: TestUser, role: Exclude<OrganizationRole, 'OWNER'>) {
  const now = new Date().toISOString();
  const db = documentClient();
  await db.send(
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
  await db.send(
    new UpdateCommand({
      TableName: tables.organizations(),
      Key: usageKey(organizationId),
      UpdateExpression: 'ADD seats :one, activeMembers :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

export async function organizationItem(organizationId: string) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.organizations(), Key: organizationKey(organizationId), ConsistentRead: true }),
  );
  return Item;
}

export async function usageItem(organizationId: string) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.organizations(), Key: usageKey(organizationId), ConsistentRead: true }),
  );
  return Item;
}

export async function membership(organizationId: string, userId: string) {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tables.memberships(),
      Key: membershipKey(organizationId, userId),
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** Every item under ORG#<id> of a table. */
export async function itemsUnder(table: string, organizationId: string) {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/** The audit log entries of an organization (the notifications service records every event). */
export async function auditEntries(organizationId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tables.notifications(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(organizationId), ':audit': 'AUDIT#' },
    }),
  );
  return Items ?? [];
}

export async function auditTypes(organizationId: string): Promise<string[]> {
  return (await auditEntries(organizationId)).map((item) => String(item.type));
}

/** Moves a soft-deleted organization's restore window into the past (as if 30 days had gone by). */
export async function expireRestoreWindow(organizationId: string, purgeAfter = new Date(Date.now() - 60_000)) {
  const at = purgeAfter.toISOString();
  await documentClient().send(
    new UpdateCommand({
      TableName: tables.organizations(),
      Key: organizationKey(organizationId),
      UpdateExpression: 'SET purgeAfter = :at, gsi1sk = :position',
      ConditionExpression: '#status = :deleted',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':at': at, ':position': `DELETED#${at}#${organizationId}`, ':deleted': 'DELETED' },
    }),
  );
}

export interface Cast {
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  viewer: TestUser;
  outsider: TestUser;
  platformOwner: TestUser;
  employee: TestUser;
  customer: TestUser;
}

export async function cast(): Promise<Cast> {
  const [owner, admin, member, viewer, outsider, platformOwner, employee, customer] = await Promise.all([
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser(),
    testUser({ group: 'OWNER' }),
    testUser({ group: 'EMPLOYEE' }),
    testUser({ group: 'CUSTOMER' }),
  ]);
  return { owner, admin, member, viewer, outsider, platformOwner, employee, customer } as Cast;
}

/** A new organization of `cast.owner` with an ADMIN, a MEMBER and a VIEWER. */
export async function organizationWithMembers(people: Cast): Promise<Organization> {
  const organization = await createOrganization(people.owner);
  await Promise.all([
    addMember(organization.id, people.admin, 'ADMIN'),
    addMember(organization.id, people.member, 'MEMBER'),
    addMember(organization.id, people.viewer, 'VIEWER'),
  ]);
  return organization;
}
