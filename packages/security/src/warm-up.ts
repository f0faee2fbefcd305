import { checkConfig, config } from '@tenantry/config';
import { securityConfig, userResolver } from './config';
import { logger } from './logger';
import type { PrincipalResolver } from './principal';

const warmed = new WeakSet<PrincipalResolver>();

/**
 * Fetches, once per container and at init, what authentication needs before the first request: the
 * JWKS of the user pool (aws-jwt-verify's `hydrate()`), and whatever a configured resolver's
 * `warmUp()` prepares. `route()` schedules it when a handler module loads, so a cold container's
 * first requests wait at most for the one fetch already in flight, never for one each.
 *
 * It never throws: a failure is logged at WARN and the first request fetches again (and answers 503
 * `SERVICE_UNAVAILABLE` with `Retry-After` if that fails too, never 401).
 *
 * @example
 * ```ts
 * await warmUpSecurity(); // e.g. at the top level of a custom entry point
 * ```
 */
export async function warmUpSecurity(): Promise<void> {
  const { resolvers } = securityConfig();
  // The default Cognito resolver only when this process is configured for it (not in unit tests).
  const user = resolvers.user ?? (process.env.AUTH_CLIENT_ID ? userResolver() : undefined);
  const pending = [user, resolvers.application].flatMap((resolver) => {
    if (!resolver?.warmUp || warmed.has(resolver)) return [];
    warmed.add(resolver);
    return [
      resolver.warmUp().catch((error: unknown) => {
        warmed.delete(resolver);
        logger.warn('authentication warm-up failed; the first request fetches again', {
          resolver: resolver.kind,
          error: error as Error,
        });
      }),
    ];
  });
  await Promise.all(pending);
}

let scheduled = false;

/**
 * Starts {@link warmUpSecurity} once per process, right after the module graph being loaded has been
 * evaluated (a microtask), so that `configureSecurity` calls made at module load are seen. Only
 * inside a function (Lambda, or serverless-offline's: `AWS_LAMBDA_FUNCTION_NAME` is set), not in a
 * test that merely builds routes. It checks the environment contract first: a deployment that lacks
 * a variable says so in its container's first log line, naming it, before any request (each of
 * which the route then refuses with 500: see `configurationChecked`).
 */
export function scheduleWarmUp(): void {
  if (scheduled || !config.AWS_LAMBDA_FUNCTION_NAME) return;
  scheduled = true;
  queueMicrotask(() => {
    reportConfiguration();
    void warmUpSecurity();
  });
}

/** Logs a missing or malformed variable at ERROR; never throws (an unhandled failure at init would end the process). */
function reportConfiguration(): void {
  try {
    checkConfig();
  } catch (error) {
    logger.error('the function is misconfigured', { error });
  }
}
