import { logger } from '@tenantry/security';
import { job } from '@tenantry/security/job';
import { notifyExpiringKeys } from '../../domain/applications';
import { dependencies } from '../../runtime';

/**
 * Scheduled hourly (no HTTP route): one `api_key.expiring` for each application whose keys expire
 * within 7 days, found in the sparse `expiring` index (never a scan). A failure leaves the
 * application in the index for the next run.
 */
export const handler = job('notifyExpiringKeys', async (): Promise<{ notified: string[]; failed: string[] }> => {
  const result = await notifyExpiringKeys(dependencies(), (applicationId, error) =>
    logger.error('expiry notice failed', { applicationId, error }),
  );
  logger.info('expiry notices written', { notified: result.notified.length, failed: result.failed.length });
  if (result.failed.length > 0) throw new Error(`expiry notice failed for ${result.failed.length} application(s)`);
  return result;
});
