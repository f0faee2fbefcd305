import { config } from '@tenantry/config';

/**
 * Table names, set by each service's serverless.yml (`tenantry-<stage>-<table>`); a missing one is a
 * deployment error (`ConfigurationError` of @tenantry/config), not a request error.
 */
export const tables = {
  organizations: () => config.ORGANIZATIONS_TABLE,
  memberships: () => config.MEMBERSHIPS_TABLE,
  applications: () => config.APPLICATIONS_TABLE,
  notifications: () => config.NOTIFICATIONS_TABLE,
  idempotency: () => config.IDEMPOTENCY_TABLE,
  /** Rate-limit counters (declared by the organizations service; written by every service's security layer). */
  rateLimits: () => config.RATE_LIMITS_TABLE,
} as const;
