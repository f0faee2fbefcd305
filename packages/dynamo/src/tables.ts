/** A table name from the function's environment; a missing one is a deployment error, not a request error. */
function tableFromEnv(variable: string): string {
  const name = process.env[variable];
  if (!name) throw new Error(`environment variable ${variable} is not set`);
  return name;
}

/** Table names, set by each service's serverless.yml (`tenantry-<stage>-<table>`). */
export const tables = {
  organizations: () => tableFromEnv('ORGANIZATIONS_TABLE'),
  memberships: () => tableFromEnv('MEMBERSHIPS_TABLE'),
  applications: () => tableFromEnv('APPLICATIONS_TABLE'),
  notifications: () => tableFromEnv('NOTIFICATIONS_TABLE'),
  idempotency: () => tableFromEnv('IDEMPOTENCY_TABLE'),
  /** Rate-limit counters (declared by the organizations service; written by every service's security layer). */
  rateLimits: () => tableFromEnv('RATE_LIMITS_TABLE'),
} as const;
