import { dynamoEventOutbox, type EventOutbox } from '@tenantry/events';
import { apiKeyResolver } from './api-keys';
import { cognitoUserResolver } from './jwt';
import { generatedModels, type ModelsAdapter } from './models';
import { defaultOrganizationStore, type OrganizationStore } from './organization';
import type { ApplicationPrincipal, PrincipalResolver, UserPrincipal } from './principal';
import type { CounterStore } from './rate-limit';

export interface SecurityConfig {
  /** Resolvers per principal kind. `user`: Cognito ID tokens (default). `application`: API keys by their hash in the applications table (default). */
  resolvers: { user?: PrincipalResolver<UserPrincipal>; application?: PrincipalResolver<ApplicationPrincipal> };
  /** Records `platform.access` audit events before the answer (default: the service's transactional outbox). */
  eventOutbox: EventOutbox;
  /** Generated validators and the operation table (default: `@tenantry/models`). */
  models: ModelsAdapter;
  /** Layer 2's read (default: DynamoDB BatchGetItem, cached when `ORG_CONTEXT_CACHE_TTL_SECONDS` > 0). */
  organizationStore: OrganizationStore | undefined;
  /** Bodies larger than this answer 413 (contract §8: 16 KiB). */
  maxBodyBytes: number;
  /** Rate-limit counters (default: the DynamoDB rate-limits table, `RATE_LIMITS_TABLE`). */
  rateLimitStore: CounterStore | undefined;
}

export interface SecurityOptions {
  resolvers?: SecurityConfig['resolvers'];
  eventOutbox?: EventOutbox;
  models?: ModelsAdapter;
  organizationStore?: OrganizationStore;
  maxBodyBytes?: number;
  rateLimitStore?: CounterStore;
}

const defaults: SecurityConfig = {
  resolvers: {},
  eventOutbox: dynamoEventOutbox(),
  models: generatedModels,
  organizationStore: undefined,
  maxBodyBytes: 16 * 1024,
  rateLimitStore: undefined,
};

let current: SecurityConfig = { ...defaults };

/**
 * Replaces parts of the stack's configuration for this process, before any request; options are
 * merged over the current configuration. Services do not need it: the defaults are the deployed
 * wiring (Cognito and API-key resolvers, the outbox, the generated models, DynamoDB). Tests use
 * it to put stand-ins in their place.
 *
 * @example
 * ```ts
 * // Keep the platform.access audit events in memory instead of the outbox.
 * const recorded: NewDomainEvent[] = [];
 * configureSecurity({ eventOutbox: { record: async (events) => void recorded.push(...events) } });
 * ```
 */
export function configureSecurity(options: SecurityOptions): void {
  current = {
    ...current,
    ...(options.resolvers ? { resolvers: { ...current.resolvers, ...options.resolvers } } : {}),
    ...(options.eventOutbox ? { eventOutbox: options.eventOutbox } : {}),
    ...(options.models ? { models: options.models } : {}),
    ...(options.organizationStore ? { organizationStore: options.organizationStore } : {}),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
  };
}

/** Tests only: back to the defaults. */
export function resetSecurityConfig(): void {
  current = { ...defaults };
  defaultUserResolver = undefined;
  defaultApplicationResolver = undefined;
  defaultStore = undefined;
}

let defaultUserResolver: PrincipalResolver<UserPrincipal> | undefined;
let defaultApplicationResolver: PrincipalResolver<ApplicationPrincipal> | undefined;
let defaultStore: OrganizationStore | undefined;

export function securityConfig(): SecurityConfig {
  return current;
}

export function userResolver(): PrincipalResolver<UserPrincipal> {
  if (current.resolvers.user) return current.resolvers.user;
  defaultUserResolver ??= cognitoUserResolver();
  return defaultUserResolver;
}

/** The API-key resolver: the configured one, else the DynamoDB lookup by key hash (`APPLICATIONS_TABLE`). */
export function applicationResolver(): PrincipalResolver<ApplicationPrincipal> {
  if (current.resolvers.application) return current.resolvers.application;
  defaultApplicationResolver ??= apiKeyResolver();
  return defaultApplicationResolver;
}

export function organizationStore(): OrganizationStore {
  if (current.organizationStore) return current.organizationStore;
  defaultStore ??= defaultOrganizationStore();
  return defaultStore;
}
