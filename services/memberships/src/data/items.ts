/**
 * Items of the memberships table ↔ the records of `src/domain/model.ts`, and the writes of the usage
 * item (organizations table) both repositories join to their transactions.
 */
import type { Item, MembershipRecord } from '@tenantry/dynamo';
import { tables, usageKey } from '@tenantry/dynamo';
import type { InvitationRecord, OrganizationSummary } from '../domain/model';
import { seatAvailable } from './conditions';

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
