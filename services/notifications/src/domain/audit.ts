/** `GET /organizations/{orgId}/audit-log`: every §7 event of the organization, newest first. */
import type { AuditEventPage } from '@tenantry/models';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { toAuditEvent } from './model';
import type { AuditQuery, Dependencies } from './ports';

export async function getAuditLog(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  query: AuditQuery,
): Promise<AuditEventPage> {
  const page = await deps.audit.list(context, query);
  return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
}
