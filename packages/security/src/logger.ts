import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The structured logger of every Tenantry function (Powertools). Service name from
 * `POWERTOOLS_SERVICE_NAME`, level from `POWERTOOLS_LOG_LEVEL`. Never log a token, a key or a body.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tenantry' });
