/** Items of the organizations table ↔ the states of `src/domain/model.ts`. */
import { type Item, tables, usageKey } from '@tenantry/dynamo';
import type { PrefetchKey } from '@tenantry/security';
import type { OrganizationState, UsageState } from '../domain/model';

/** Attributes that are storage detail, never part of a state. */
const STORAGE = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'organizationId']);

export function toState(item: Item): OrganizationState {
  return Object.fromEntries(
    Object.entries(item).filter(([name]) => !STORAGE.has(name)),
  ) as unknown as OrganizationState;
}

export function toUsage(item: Item): UsageState {
  return {
    seats: Number(item.seats ?? 0),
    activeMembers: Number(item.activeMembers ?? 0),
    applications: Number(item.applications ?? 0),
  };
}

/** The usage item, read by the security layer with the organization (the route's prefetch). */
export const usagePrefetch = (organizationId: string): PrefetchKey => ({
  table: tables.organizations(),
  key: usageKey(organizationId),
});

/** The usage of a prefetched item; undefined when there is none. */
export const usageOfItem = (item: Item | undefined): UsageState | undefined => (item ? toUsage(item) : undefined);
