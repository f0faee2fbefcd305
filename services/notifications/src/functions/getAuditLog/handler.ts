import { route } from '@tenantry/security';
import { getAuditLog } from '../../domain/audit';
import { dependencies } from '../../runtime';

/** GET /organizations/{orgId}/audit-log: ADMIN+, platform OWNER/EMPLOYEE (audited); newest first, `?type=`. */
export const handler = route({ operation: 'getAuditLog', action: 'audit:read' }, async ({ context, query }) => ({
  body: await getAuditLog(dependencies(), context, query),
}));
