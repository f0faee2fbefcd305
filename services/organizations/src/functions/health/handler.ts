import { publicRoute } from '@tenantry/security';

// The route is the literal /health/organizations (each service owns its own), so there is no path to validate.
export const handler = publicRoute({ operation: 'getServiceHealth', validate: false }, async () => ({
  body: { status: 'ok', service: 'organizations', time: new Date().toISOString() },
}));
