import { publicRoute } from '@tenantry/security';

// The route is the literal /health/applications (each service owns its own), so there is no path to validate.
export const handler = publicRoute({ operation: 'getServiceHealth', validate: false }, async () => ({
  body: { status: 'ok', service: 'applications', time: new Date().toISOString() },
}));
