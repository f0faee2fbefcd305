/**
 * Invitations (memberships table, `ORG#<orgId>` / `INVITATION#<id>`; gsi1 by id alone; gsi2 by
 * invitee while PENDING) and the seat each PENDING one holds in the organization's usage item. Every
 * write is pinned to the tenant with the `@tenantry/security` helpers and stores its §7 event in this
 * table's outbox in the same transaction; reads that decide something are strongly consistent.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  emailClaimItem,
  type Item,
  isConditionFailure,
  membershipItem,
  organizationKey,
  organizationPk,
  type Page,
  queryAll,
  queryPage,
  tables,
  transactWrite,
} from '@tenantry/dynamo';
import { outboxPut } from '@tenantry/events';
import { tenantTransactWrite, tenantUpdate } from '@tenantry/security';
import { type InvitationRecord, retentionTtl } from '../domain/model';
import type { InvitationsRepository } from '../domain/ports';
import {
  activeMemberAvailable,
  claimIsFree,
  claimOfInvitation,
  invitationHasStatus,
  invitationHoldsNoSeat,
  invitationIsPending,
  invitationIsPendingAndLapsed,
  invitationIsPendingAndValid,
  invitationReadsExpired,
  isNew,
} from './conditions';
import {
  checkRoleExists,
  freeSeat,
  moveHolders,
  takeSeat,
  toInvitationRecord,
  toOrganizationSummary,
  usageUpdate,
} from './items';
import {
  INVITATION_PREFIX,
  invitationKey,
  invitationLookupKey,
  inviteeKey,
  inviteePk,
  ORGANIZATION_PREFIX,
} from './keys';

const statusName = { '#status': 'status' };

/** The filter of `?status=`: what a client sees (a lapsed PENDING invitation reads as EXPIRED). */
function statusFilter(
  status: string | undefined,
  now: Date,
): Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames'> & { values: Item } {
  const iso = now.toISOString();
  switch (status) {
    case undefined:
      return { values: {} };
    case 'PENDING':
      return {
        FilterExpression: invitationIsPendingAndValid,
        ExpressionAttributeNames: statusName,
        values: { ':pending': 'PENDING', ':now': iso },
      };
    case 'EXPIRED':
      return {
        FilterExpression: invitationReadsExpired,
        ExpressionAttributeNames: statusName,
        values: { ':expired': 'EXPIRED', ':pending': 'PENDING', ':now': iso },
      };
    default:
      return {
        FilterExpression: invitationHasStatus,
        ExpressionAttributeNames: statusName,
        values: { ':status': status },
      };
  }
}

/** `:gsi2pk`/`:gsi2sk` values of an index key. */
function prefixed(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}

export function dynamoInvitationsRepository(client: DynamoDBDocumentClient): InvitationsRepository {
  const mapPage = (page: Page<Item>) => ({
    items: page.items.map(toInvitationRecord),
    nextCursor: page.nextCursor,
  });

  return {
    async get(organizationId, invitationId) {
      const { Item: item } = await client.send(
        new GetCommand({
          TableName: tables.memberships(),
          Key: invitationKey(organizationId, invitationId),
          ConsistentRead: true,
        }),
      );
      return item ? toInvitationRecord(item) : undefined;
    },

    async find(invitationId) {
      const lookup = await client.send(
        new QueryCommand({
          TableName: tables.memberships(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
          ExpressionAttributeValues: invitationLookupValues(invitationId),
          ProjectionExpression: 'organizationId',
          Limit: 1,
        }),
      );
      const organizationId = lookup.Items?.[0]?.organizationId;
      if (typeof organizationId !== 'string') return undefined;
      const found = await batchGetAll(client, {
        [tables.organizations()]: { Keys: [organizationKey(organizationId)], ConsistentRead: true },
        [tables.memberships()]: { Keys: [invitationKey(organizationId, invitationId)], ConsistentRead: true },
      });
      const invitation = found[tables.memberships()]?.[0];
      if (!invitation) return undefined;
      const organization = found[tables.organizations()]?.[0];
      return {
        invitation: toInvitationRecord(invitation),
        organization: organization ? toOrganizationSummary(organization) : undefined,
      };
    },

    async list(organizationId, page, now) {
      const pk = organizationPk(organizationId);
      const { values, ...filter } = statusFilter(page.status, now);
      return mapPage(
        await queryPage(
          client,
          {
            TableName: tables.memberships(),
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ...filter,
            ExpressionAttributeValues: { ':pk': pk, ':prefix': INVITATION_PREFIX, ...values },
            ConsistentRead: true,
          },
          { limit: page.limit, cursor: page.cursor, shape: { equals: { pk }, prefixes: { sk: INVITATION_PREFIX } } },
        ),
      );
    },

    async listOfInvitee(email, page, now) {
      const gsi2pk = inviteePk(email);
      return mapPage(
        await queryPage(
          client,
          {
            TableName: tables.memberships(),
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk',
            FilterExpression: invitationIsPendingAndValid,
            ExpressionAttributeNames: statusName,
            ExpressionAttributeValues: { ':pk': gsi2pk, ':pending': 'PENDING', ':now': now.toISOString() },
          },
          {
            ...page,
            shape: {
              equals: { gsi2pk },
              prefixes: { gsi2sk: '', pk: ORGANIZATION_PREFIX, sk: INVITATION_PREFIX },
              // The invitation it names was addressed to the caller, at that place of the index (it
              // may have left PENDING since: the next page still starts after it).
              item: {
                key: ({ pk, sk }) => ({ pk: pk!, sk: sk! }),
                belongs: (item, start) =>
                  item.email === email &&
                  inviteeKey(email, String(item.createdAt), String(item.id)).gsi2sk === start.gsi2sk,
              },
            },
          },
        ),
      );
    },

    async listLapsed(organizationId, now) {
      const items = await queryAll(client, {
        TableName: tables.memberships(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: invitationIsPendingAndLapsed,
        ExpressionAttributeNames: statusName,
        ExpressionAttributeValues: {
          ':pk': organizationPk(organizationId),
          ':prefix': INVITATION_PREFIX,
          ':pending': 'PENDING',
          ':now': now.toISOString(),
        },
        ConsistentRead: true,
      });
      return items.map(toInvitationRecord);
    },

    async create(scope, invitation, limit, event) {
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
                ConditionExpression: isNew,
              },
            },
            claimFor(scope.organizationId, invitation),
            outboxPut(tables.memberships(), event),
            // Index 4: a custom role counts the invitation among its holders.
            ...moveHolders(scope.organizationId, invitation.role, 1),
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(4)) return 'role-gone';
      if (outcome.failed.includes(2)) return 'taken';
      if (outcome.failed.includes(0)) return 'limit';
      throw new Error('invitation id collision');
    },

    async renew(scope, invitation, expiresAt, now) {
      try {
        await client.send(
          new UpdateCommand(
            tenantUpdate(scope, {
              TableName: tables.memberships(),
              Key: invitationKey(scope.organizationId, invitation.id),
              UpdateExpression: 'SET expiresAt = :expiresAt, updatedAt = :now',
              ConditionExpression: invitationIsPending,
              ExpressionAttributeNames: statusName,
              ExpressionAttributeValues: { ':expiresAt': expiresAt, ':now': now.toISOString(), ':pending': 'PENDING' },
            }),
          ),
        );
        return 'ok';
      } catch (error) {
        if (isConditionFailure(error)) return 'changed';
        throw error;
      }
    },

    async revive(scope, invitation, expiresAt, now, limit) {
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
                ExpressionAttributeNames: { ...statusName, '#ttl': 'ttl' },
                ExpressionAttributeValues: {
                  ':pending': 'PENDING',
                  ':expired': 'EXPIRED',
                  ':expiresAt': expiresAt,
                  ':now': now.toISOString(),
                  ...prefixed(inviteeKey(invitation.email, invitation.createdAt, invitation.id)),
                },
              },
            },
            claimFor(scope.organizationId, invitation),
            // Index 3: PENDING again, it holds its custom role again.
            ...moveHolders(scope.organizationId, invitation.role, 1),
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(1)) return 'changed';
      if (outcome.failed.includes(3)) return 'role-gone';
      return outcome.failed.includes(2) ? 'taken' : 'limit';
    },

    async release(scope, invitation, status, now, { respondedBy, event } = {}) {
      const outcome = await transactWrite(
        tenantTransactWrite(scope, {
          TransactItems: [
            {
              Update: {
                TableName: tables.memberships(),
                Key: invitationKey(scope.organizationId, invitation.id),
                UpdateExpression: `SET #status = :status, updatedAt = :now, #ttl = :ttl${respondedBy ? ', respondedBy = :by' : ''} REMOVE gsi2pk, gsi2sk`,
                ConditionExpression: status === 'EXPIRED' ? invitationIsPendingAndLapsed : invitationIsPendingAndValid,
                ExpressionAttributeNames: { ...statusName, '#ttl': 'ttl' },
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
            {
              Put: {
                TableName: tables.memberships(),
                Item: emailClaimItem({ organizationId: scope.organizationId, email: invitation.email, holder: 'NONE' }),
                ConditionExpression: claimOfInvitation,
                ExpressionAttributeValues: { ':invitationId': invitation.id },
              },
            },
            ...(event ? [outboxPut(tables.memberships(), event)] : []),
            // It never became a member: its custom role has one holder less.
            ...moveHolders(scope.organizationId, invitation.role, -1),
          ],
        }),
      );
      return outcome.ok ? 'ok' : 'changed';
    },

    async accept(scope, invitation, membership, limit, now, event) {
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
                ExpressionAttributeNames: { ...statusName, '#ttl': 'ttl' },
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
                Item: { ...membershipItem(membership), invitationId: invitation.id },
                ConditionExpression: isNew,
              },
            },
            // The seat moves from the invitation to the member: `seats` does not change; the ACTIVE
            // members alone must stay within the plan (it matters after a downgrade).
            usageUpdate(scope.organizationId, {
              UpdateExpression: 'SET activeMembers = activeMembers + :one',
              ConditionExpression: activeMemberAvailable,
              values: { ':one': 1, ':limit': limit },
            }),
            // The email's claim passes from the invitation to its member.
            {
              Put: {
                TableName: tables.memberships(),
                Item: emailClaimItem({
                  organizationId: scope.organizationId,
                  email: invitation.email,
                  holder: 'MEMBER',
                  userId: membership.userId,
                  invitationId: invitation.id,
                }),
                ConditionExpression: claimOfInvitation,
                ExpressionAttributeValues: { ':invitationId': invitation.id },
              },
            },
            outboxPut(tables.memberships(), event),
            // Index 5: the holder passes from the invitation to the member (`holders` unchanged), if
            // the custom role still exists.
            ...checkRoleExists(scope.organizationId, invitation.role),
          ],
        }),
      );
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'changed';
      if (outcome.failed.includes(5)) return 'role-gone';
      if (outcome.failed.includes(1) || outcome.failed.includes(3)) return 'exists';
      return 'limit';
    },
  };
}

/** The email's claim for a PENDING invitation: only if no invitation or member holds it (409 otherwise). */
function claimFor(organizationId: string, invitation: InvitationRecord) {
  return {
    Put: {
      TableName: tables.memberships(),
      Item: emailClaimItem({
        organizationId,
        email: invitation.email,
        holder: 'INVITATION',
        invitationId: invitation.id,
      }),
      ConditionExpression: claimIsFree,
      ExpressionAttributeValues: { ':free': 'NONE' },
    },
  };
}

/** `:pk`/`:sk` of the gsi1 lookup of an invitation by id. */
function invitationLookupValues(invitationId: string): Record<string, string> {
  const key = invitationLookupKey(invitationId);
  return { ':pk': key.gsi1pk, ':sk': key.gsi1sk };
}
