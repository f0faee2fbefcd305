import { logger } from '@tenantry/security';
import { job } from '@tenantry/security/job';
import { purgeDueOrganizations } from '../../domain/organizations';
import { dependencies } from '../../runtime';

/**
 * Scheduled daily (no HTTP route): purges every organization whose restore window has closed. The
 * data key goes first (crypto-shredding), then memberships, invitations, usage, slug claim and the
 * organization item. A failure leaves the organization in the index for the next run.
 */
export const handler = job('purgeOrganizations', async (): Promise<{ purged: string[]; failed: string[] }> => {
  const result = await purgeDueOrganizations(dependencies(), (organizationId, error) =>
    logger.error('purge failed', { organizationId, error }),
  );
  logger.info('purge finished', { purged: result.purged.length, failed: result.failed.length });
  if (result.failed.length > 0) throw new Error(`purge failed for ${result.failed.length} organization(s)`);
  return result;
});
