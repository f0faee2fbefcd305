/**
 * The DynamoDB side of the memberships service (memberships table; the usage counters and the
 * organization items of the organizations table). Every write to tenant data is pinned with the
 * `@tenantry/security` helpers; reads that decide something are strongly consistent.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  documentClient,
  membershipItem,
  membershipKey,
  organizationKey,
  organizationPk,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import { tenantTransactWrite, tenantUpdate } from '@tenantry/security';
import {
  type InvitationRecord,
  type MembershipRecordView,
  type OrganizationSummary,
  retentionTtl,
} from '../domain/model';
import type { MembershipsRepository, Page, PageQuery } from '../domain/ports';
import {
  activeMemberAvailable,
  invitationHoldsNoSeat,
  invitationIsPendingAndLapsed,
  invitationIsPendingAndValid,
  seatAvailable,
} from './conditions';
import { type CursorShape, decodeCursor, encodeCursor } from './cursor';
import {
  INVITATION_PREFIX,
  invitationKey,
  invitationLookupKey,
  inviteeKey,
  inviteePk,
  MEMBER_PREFIX,
  userPk,
} from './keys';

const db = () => documentClient();

type Item = Record<string, unknown>;

/** Attributes that are storage detail, never part of a record. */
const STORAGE = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entity']);
function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE.has(name))) as T;
}

const asMembership = (item: Item | undefined): MembershipRecordView | undefined =>
  item && item.status === 'ACTIVE' ? strip<MembershipRecordView>(item) : undefined;
const asInvitation = (item: Item | undefined): InvitationRecord | undefined =>
  item ? strip<InvitationRecord>(item) : undefined;
const asOrganization = (item: Item | undefined): OrganizationSummary | undefined =>
  item
    ? {
        id: String(item.id ?? item.organizationId),
        name: String(item.name),
        slug: typeof item.slug === 'string' ? item.slug : undefined,
        status: item.status as OrganizationSummary['status'],
        plan: String(item.plan),
        ownerId: typeof item.ownerId === 'string' ? item.ownerId : undefined,
      }
    : undefined;

/**
 * Queries pages until `limit` items passed the filter or the partition is exhausted. The cursor is
 * the last key DynamoDB evaluated, so nothing between two pages is skipped.
 */
async function queryPage(input: QueryCommandInput, page: PageQuery, shape: CursorShape): Promise<Page<Item>> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(page.cursor, shape);
  do {
    const result = await db().send(
      new QueryCommand({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: startKey }),
    );
    items.push(...((result.Items ?? []) as Item[]));
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length < page.limit);
  return { items, nextCursor: encodeCursor(startKey) };
}

async function batchGet(input: BatchGetCommandInput): Promise<Record<string, Item[]>> {
  const responses: Record<string, Item[]> = {};
  let request = input.RequestItems;
  for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
    if (attempt > 5) throw new Error('BatchGetItem left keys unprocessed after retries');
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
    const result = await db().send(new BatchGetCommand({ RequestItems: request }));
    for (const [table, items] of Object.entries(result.Responses ?? {})) {
      responses[table] = [...(responses[table] ?? []), ...(items as Item[])];
    }
    request = result.UnprocessedKeys as typeof request;
  }
  return responses;
}

const usageUpdate = (
  organizationId: string,
  update: { UpdateExpression: string; ConditionExpression?: string; values: Record<string, unknown> },
) => ({
  Update: {
    TableName: tables.organizations(),
    Key: usageKey(organizationId),
    UpdateExpression: update.UpdateExpression,
    ...(update.ConditionExpression ? { ConditionExpression: update.ConditionExpression } : {}),
    ExpressionAttributeValues: update.values,
  },
});

const takeSeat = (organizationId: string, limit: number) =>
  usageUpdate(organizationId, {
    UpdateExpression: 'SET seats = seats + :one',
    ConditionExpression: seatAvailable,
    values: { ':one': 1, ':limit': limit },
  });

const freeSeat = (organizationId: string) =>
  usageUpdate(organizationId, { UpdateExpression: 'SET seats = seats - :one', values: { ':one': 1 } });

export const dynamoRepository: MembershipsRepository = {
  async getMembership(organizationId, userId) {
    const result = await db().send(
      new GetCommand({
        TableName: tables.memberships(),
        Key: membershipKey(organizationId, userId),
        ConsistentRead: true,
      }),
    );
    return asMembership(result.Item);
  },

  async getInvitation(organizationId, invitationId) {
    const result = await db().send(
      new GetCommand({
        TableName: tables.memberships(),
        Key: invitationKey(organizationId, invitationId),
        ConsistentRead: true,
      }),
    );
    return asInvitation(result.Item);
  },

  async findInvitation(invitationId) {
    const lookup = await db().send(
      new QueryCommand({
        TableName: tables.memberships(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
        ExpressionAttributeValues: { ':pk': invitationLookupKey(invitationId).gsi1pk, ':sk': 'INVITATION' },
        ProjectionExpression: 'organizationId',
        Limit: 1,
      }),
    );
    const organizationId = lookup.Items?.[0]?.organizationId;
    if (typeof organizationId !== 'string') return undefined;
    const responses = await batchGet({
      RequestItems: {
        [tables.organizations()]: { Keys: [organizationKey(organizationId)], ConsistentRead: true },
        [tables.memberships()]: { Keys: [invitationKey(organizationId, invitationId)], ConsistentRead: true },
      },
    });
    const invitation = asInvitation(responses[tables.memberships()]?.[0]);
    if (!invitation) return undefined;
    return { invitation, organization: asOrganization(responses[tables.organizations()]?.[0]) };
  },

  async getOrganizations(organizationIds) {
    const found = new Map<string, OrganizationSummary>();
    for (let start = 0; start < organizationIds.length; start += 100) {
      const keys = organizationIds.slice(start, start + 100).map(organizationKey);
      const responses = await batchGet({
        RequestItems: {
          [tables.organizations()]: {
            Keys: keys,
            ProjectionExpression: 'id, #name, slug, #status, #plan, ownerId, organizationId',
            ExpressionAttributeNames: { '#name': 'name', '#status': 'status', '#plan': 'plan' },
          },
        },
      });
      for (const item of responses[tables.organizations()] ?? []) {
        const organization = asOrganization(item);
        if (organization) found.set(organization.id, organization);
      }
    }
    return found;
  },

  async listMembers(organizationId, page) {
    const pk = organizationPk(organizationId);
    const result = await queryPage(
      {
        TableName: tables.memberships(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': pk, ':prefix': MEMBER_PREFIX, ':active': 'ACTIVE' },
        ConsistentRead: true,
      },
      page,
      { equals: { pk }, prefixes: { sk: MEMBER_PREFIX } },
    );
    return { items: result.items.map((item) => strip<MembershipRecordView>(item)), nextCursor: result.nextCursor };
  },

  async listInvitations(organizationId, page, now) {
    const pk = organizationPk(organizationId);
    const names = { '#status': 'status' };
    const iso = now.toISOString();
    const filter: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames'> & { values: Item } =
      page.status === undefined
        ? { values: {} }
        : page.status === 'PENDING'
          ? {
              FilterExpression: '#status = :pending AND expiresAt > :now',
              ExpressionAttributeNames: names,
              values: { ':pending': 'PENDING', ':now': iso },
            }
          : page.status === 'EXPIRED'
            ? {
                FilterExpression: '#status = :expired OR (#status = :pending AND expiresAt <= :now)',
                ExpressionAttributeNames: names,
                values: { ':expired': 'EXPIRED', ':pending': 'PENDING', ':now': iso },
              }
            : {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: names,
                values: { ':status': page.status },
              };
    const { values, ...expression } = filter;
    const result = await queryPage(
      {
        TableName: tables.memberships(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...expression,
        ExpressionAttributeValues: { ':pk': pk, ':prefix': INVITATION_PREFIX, ...values },
        ConsistentRead: true,
      },
      page,
      { equals: { pk }, prefixes: { sk: INVITATION_PREFIX } },
    );
    return { items: result.items.map((item) => strip<InvitationRecord>(item)), nextCursor: result.nextCursor };
  },

  async listUserMemberships(userId, page) {
    const gsi1pk = userPk(userId);
    const result = await queryPage(
      {
        TableName: tables.memberships(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': gsi1pk, ':active': 'ACTIVE' },
      },
      page,
      { equals: { gsi1pk, sk: `${MEMBER_PREFIX}${userId}` }, prefixes: { gsi1sk: 'ORG#', pk: 'ORG#' } },
    );
    return { items: result.items.map((item) => strip<MembershipRecordView>(item)), nextCursor: result.nextCursor };
  },

  async listInviteeInvitations(email, page, now) {
    const gsi2pk = inviteePk(email);
    const result = await queryPage(
      {
        TableName: tables.memberships(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        FilterExpression: '#status = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': gsi2pk, ':pending': 'PENDING', ':now': now.toISOString() },
      },
      page,
      { equals: { gsi2pk }, prefixes: { gsi2sk: '', pk: 'ORG#', sk: INVITATION_PREFIX } },
    );
    return { items: result.items.map((item) => strip<InvitationRecord>(item)), nextCursor: result.nextCursor };
  },

  async hasPendingInvitation(organizationId, email, now) {
    const result = await queryPage(
      {
        TableName: tables.memberships(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        FilterExpression: 'organizationId = :org AND #status = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': inviteePk(email),
          ':org': organizationId,
          ':pending': 'PENDING',
          ':now': now.toISOString(),
        },
        ProjectionExpression: 'id',
      },
      { limit: 1 },
      { equals: {}, prefixes: {} },
    );
    return result.items.length > 0;
  },

  async listLapsedInvitations(organizationId, now) {
    const pk = organizationPk(organizationId);
    const lapsed: InvitationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await db().send(
        new QueryCommand({
          TableName: tables.memberships(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#status = :pending AND expiresAt <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': INVITATION_PREFIX,
            ':pending': 'PENDING',
            ':now': now.toISOString(),
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      lapsed.push(...(result.Items ?? []).map((item) => strip<InvitationRecord>(item as Item)));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return lapsed;
  },

  async createInvitation(scope, invitation, limit) {
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          takeSeat(scope.organizationId, limit),
          {
            Put: {
              TableName: tables.memberships(),
              Item: {
                ...invitationKey(scope.organizationId, invitation.id),
                ...invitationLookupKey(invitation.id),
                ...inviteeKey(invitation.email, invitation.createdAt, invitation.id),
                entity: 'Invitation',
                ...invitation,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    if (outcome.ok) return 'ok';
    if (outcome.failed.includes(0)) return 'limit';
    throw new Error('invitation id collision');
  },

  async renewInvitation(scope, invitation, expiresAt, now) {
    try {
      await db().send(
        new UpdateCommand(
          tenantUpdate(scope, {
            TableName: tables.memberships(),
            Key: invitationKey(scope.organizationId, invitation.id),
            UpdateExpression: 'SET expiresAt = :expiresAt, updatedAt = :now',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expiresAt': expiresAt, ':now': now.toISOString(), ':pending': 'PENDING' },
          }),
        ),
      );
      return 'ok';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'changed';
      throw error;
    }
  },

  async reviveInvitation(scope, invitation, expiresAt, now, limit) {
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          takeSeat(scope.organizationId, limit),
          {
            Update: {
              TableName: tables.memberships(),
              Key: invitationKey(scope.organizationId, invitation.id),
              UpdateExpression:
                'SET #status = :pending, expiresAt = :expiresAt, updatedAt = :now, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk REMOVE #ttl, respondedBy',
              ConditionExpression: invitationHoldsNoSeat,
              ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':pending': 'PENDING',
                ':expired': 'EXPIRED',
                ':expiresAt': expiresAt,
                ':now': now.toISOString(),
                ...prefixed(inviteeKey(invitation.email, invitation.createdAt, invitation.id)),
              },
            },
          },
        ],
      }),
    );
    if (outcome.ok) return 'ok';
    return outcome.failed.includes(1) ? 'changed' : 'limit';
  },

  async releaseInvitation(scope, invitation, status, now, respondedBy) {
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          {
            Update: {
              TableName: tables.memberships(),
              Key: invitationKey(scope.organizationId, invitation.id),
              UpdateExpression: `SET #status = :status, updatedAt = :now, #ttl = :ttl${respondedBy ? ', respondedBy = :by' : ''} REMOVE gsi2pk, gsi2sk`,
              ConditionExpression: status === 'EXPIRED' ? invitationIsPendingAndLapsed : invitationIsPendingAndValid,
              ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':status': status,
                ':pending': 'PENDING',
                ':now': now.toISOString(),
                ':ttl': retentionTtl(now),
                ...(respondedBy ? { ':by': respondedBy } : {}),
              },
            },
          },
          freeSeat(scope.organizationId),
        ],
      }),
    );
    return outcome.ok ? 'ok' : 'changed';
  },

  async acceptInvitation(scope, invitation, membership, limit, now) {
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          {
            Update: {
              TableName: tables.memberships(),
              Key: invitationKey(scope.organizationId, invitation.id),
              UpdateExpression:
                'SET #status = :accepted, updatedAt = :now, respondedBy = :by, #ttl = :ttl REMOVE gsi2pk, gsi2sk',
              ConditionExpression: invitationIsPendingAndValid,
              ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':accepted': 'ACCEPTED',
                ':pending': 'PENDING',
                ':now': now.toISOString(),
                ':by': membership.userId,
                ':ttl': retentionTtl(now),
              },
            },
          },
          {
            Put: {
              TableName: tables.memberships(),
              Item: { ...membershipItem({ ...membership, status: 'ACTIVE' }), invitationId: invitation.id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          // The seat moves from the invitation to the member: `seats` does not change; the ACTIVE
          // members alone must stay within the plan (it matters after a downgrade).
          usageUpdate(scope.organizationId, {
            UpdateExpression: 'SET activeMembers = activeMembers + :one',
            ConditionExpression: activeMemberAvailable,
            values: { ':one': 1, ':limit': limit },
          }),
        ],
      }),
    );
    if (outcome.ok) return 'ok';
    if (outcome.failed.includes(0)) return 'changed';
    if (outcome.failed.includes(1)) return 'exists';
    return 'limit';
  },

  async changeRole(scope, organizationId, userId, from, to, now) {
    try {
      const result = await db().send(
        new UpdateCommand(
          tenantUpdate(scope, {
            TableName: tables.memberships(),
            Key: membershipKey(organizationId, userId),
            UpdateExpression: 'SET #role = :to, updatedAt = :now',
            ConditionExpression: '#role = :from AND #status = :active',
            ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
            ExpressionAttributeValues: { ':to': to, ':from': from, ':now': now.toISOString(), ':active': 'ACTIVE' },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return strip<MembershipRecordView>(result.Attributes as Item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'changed';
      throw error;
    }
  },

  async deleteMembership(scope, organizationId, userId, role) {
    const outcome = await transactWrite(
      tenantTransactWrite(scope, {
        TransactItems: [
          {
            Delete: {
              TableName: tables.memberships(),
              Key: membershipKey(organizationId, userId),
              ConditionExpression: '#role = :role AND #role <> :owner',
              ExpressionAttributeNames: { '#role': 'role' },
              ExpressionAttributeValues: { ':role': role, ':owner': 'OWNER' },
            },
          },
          usageUpdate(organizationId, {
            UpdateExpression: 'SET seats = seats - :one, activeMembers = activeMembers - :one',
            values: { ':one': 1 },
          }),
        ],
      }),
    );
    return outcome.ok ? 'ok' : 'changed';
  },
};

function prefixed(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}
