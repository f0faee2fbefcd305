/**
 * Items of the memberships table ↔ the records of `src/domain/model.ts`, and the writes of the usage
 * item (organizations table) both repositories join to their transactions.
 */
import type { Item, MembershipRecord } from '@tenantry/dynamo';
import { roleKey, tables, usageKey } from '@tenantry/dynamo';
import { isOrganizationRole } from '@tenantry/security';
import type { InvitationRecord, OrganizationSummary } from '../domain/model';
import { roleExists, seatAvailable } from './conditions';

/** Attributes that are storage detail, never part of a record. */
const STORAGE = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entity']);

function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE.has(name))) as T;
}

export const toMembershipRecord = (item: Item): MembershipRecord => strip<MembershipRecord>(item);
export const toInvitationRecord = (item: Item): InvitationRecord => strip<InvitationRecord>(item);

/** The organization fields this service reads (written by the organizations service). */
export function toOrganizationSummary(item: Item): OrganizationSummary {
  return {
    id: String(item.id ?? item.organizationId),
    name: String(item.name),
    slug: typeof item.slug === 'string' ? item.slug : undefined,
    status: item.status as OrganizationSummary['status'],
    plan: String(item.plan),
    ownerId: typeof item.ownerId === 'string' ? item.ownerId : undefined,
  };
}

/** An update of the organization's usage item, as one item of a transaction. */
export function usageUpdate(
  organizationId: string,
  update: { UpdateExpression: string; ConditionExpression?: string; values: Record<string, unknown> },
) {
  return {
    Update: {
      TableName: tables.organizations(),
      Key: usageKey(organizationId),
      UpdateExpression: update.UpdateExpression,
      ...(update.ConditionExpression ? { ConditionExpression: update.ConditionExpression } : {}),
      ExpressionAttributeValues: update.values,
    },
  };
}

/** seats + 1, only below the plan's limit. */
export const takeSeat = (organizationId: string, limit: number) =>
  usageUpdate(organizationId, {
    UpdateExpression: 'SET seats = seats + :one',
    ConditionExpression: seatAvailable,
    values: { ':one': 1, ':limit': limit },
  });

/** seats − 1. */
export const freeSeat = (organizationId: string) =>
  usageUpdate(organizationId, { UpdateExpression: 'SET seats = seats - :one', values: { ':one': 1 } });

/**
 * A custom role's `holders` (ACTIVE members + PENDING invitations holding it) moved by `delta`, only
 * while the role exists, as items of the transaction that gives or takes it. A built-in role has no
 * item, nor a role that is no longer counted (undefined): nothing to add.
 */
export function moveHolders(organizationId: string, role: string | undefined, delta: 1 | -1) {
  if (role === undefined || isOrganizationRole(role)) return [];
  return [
    {
      Update: {
        TableName: tables.organizations(),
        Key: roleKey(organizationId, role),
        UpdateExpression: 'ADD holders :delta',
        ConditionExpression: roleExists,
        ExpressionAttributeValues: { ':delta': delta },
      },
    },
  ];
}

/** The custom role still exists (an accept: its holder passes from the invitation to the member, the count stays). */
export function checkRoleExists(organizationId: string, role: string) {
  if (isOrganizationRole(role)) return [];
  return [
    {
      ConditionCheck: {
        TableName: tables.organizations(),
        Key: roleKey(organizationId, role),
        ConditionExpression: roleExists,
      },
    },
  ];
}
