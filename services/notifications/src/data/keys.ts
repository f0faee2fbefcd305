import { organizationPk } from '@tenantry/dynamo';

/** The audit log of an organization, newest first when queried backwards. */
export const auditEventKey = (organizationId: string, occurredAt: string, eventId: string) => ({
  pk: organizationPk(organizationId),
  sk: `AUDIT#${occurredAt}#${eventId}`,
});
