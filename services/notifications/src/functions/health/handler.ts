import { publicRoute } from '@tenantry/security';

// The route is the literal /health/notifications (each service owns its own), so there is no path to validate.
export const handler = publicRoute({ operation: 'getServiceHealth', validate: false }, async () => ({
  body: { status: 'ok', service: 'notifications', time: new Date().toISOString() },
}));
