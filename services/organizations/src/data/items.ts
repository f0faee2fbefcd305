/** Items of the organizations table ↔ the states of `src/domain/model.ts`. */
import type { Item } from '@tenantry/dynamo';
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
