/**
 * The one wrapper of every function no HTTP route calls: stream relays, bus consumers, schedules.
 * On its own subpath (`@tenantry/security/job`) so such a function bundles the logger and the
 * configuration reader only, not the HTTP stack.
 */
import { checkConfig } from '@tenantry/config';
import type { Context } from 'aws-lambda';
import { logger } from './logger';

/**
 * Wraps the function `run` under `name`, for the same behaviour everywhere:
 * - its first invocation checks the whole environment contract (`checkConfig` of @tenantry/config),
 *   so a deployment that lacks a variable fails at once, naming it;
 * - every log line of the invocation carries `job` and `requestId`;
 * - a failure is logged at ERROR and thrown again, so the stream, the bus or the scheduler retries it
 *   (and, retries spent, sends it to the dead-letter queue): a job never swallows an error.
 *
 * @example
 * ```ts
 * export const handler = job('recordAuditEvent', async (event: BusEvent) => {
 *   await recordAuditEvent(dependencies(), event.detail);
 * });
 * ```
 */
export function job<Event, Result>(
  name: string,
  run: (event: Event, context?: Context) => Promise<Result>,
): (event: Event, context?: Context) => Promise<Result> {
  let configChecked = false;
  return async (event, context) => {
    logger.appendKeys({ job: name, requestId: context?.awsRequestId });
    try {
      if (!configChecked) {
        checkConfig();
        configChecked = true;
      }
      return await run(event, context);
    } catch (error) {
      logger.error(`${name} failed`, { error });
      throw error;
    } finally {
      logger.resetKeys();
    }
  };
}
