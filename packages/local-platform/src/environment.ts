import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const packageRoot = join(repoRoot, 'packages', 'local-platform');

/** Telemetry and update checks off in every tool the platform runs; nothing may reach the internet. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** Stage local's values that the running platform decides: where its stand-ins listen, its user pool. */
export interface LocalStageValues {
  stage: string;
  region: string;
  eventBusName: string;
  platformKeyId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dynamodbEndpoint: string;
  eventBridgeEndpoint: string;
  cognitoEndpoint: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  localKmsDir: string;
  rateLimitScale: string;
}

/** Set for tests and tools only, outside the environment contract: where they reach the stand-ins themselves. */
export const TOOL_ONLY_VARIABLES = ['AWS_DEFAULT_REGION', 'COGNITO_ENDPOINT'] as const;

/**
 * The environment the platform gives tests and tools (and records in its state file): stage local's
 * value of every variable of the environment contract (`@tenantry/config`) that the services share,
 * so a test calls a package exactly as a function of stage local would. A test checks it against the
 * contract, which services/serverless.shared.yml is checked against too.
 */
export function platformEnvironment(local: LocalStageValues): Record<string, string> {
  const table = (name: string) => `tenantry-${local.stage}-${name}`;
  return {
    STAGE: local.stage,
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
    DYNAMODB_ENDPOINT: local.dynamodbEndpoint,
    EVENTBRIDGE_ENDPOINT: local.eventBridgeEndpoint,
    EVENT_BUS_NAME: local.eventBusName,
    COGNITO_ENDPOINT: local.cognitoEndpoint,
    USER_POOL_ID: local.userPoolId,
    AUTH_CLIENT_ID: local.clientId,
    AUTH_ISSUER: local.issuer,
    AUTH_JWKS_URI: `${local.issuer}/.well-known/jwks.json`,
    LOCAL_KMS_DIR: local.localKmsDir,
    PLATFORM_KMS_KEY_ID: local.platformKeyId,
    ORGANIZATIONS_TABLE: table('organizations'),
    MEMBERSHIPS_TABLE: table('memberships'),
    APPLICATIONS_TABLE: table('applications'),
    NOTIFICATIONS_TABLE: table('notifications'),
    RATE_LIMITS_TABLE: table('rate-limits'),
    RATE_LIMIT_SCALE: local.rateLimitScale,
    // Request paths never scan: locally, any Scan fails loudly (see @tenantry/dynamo).
    TENANTRY_FORBID_SCAN: '1',
  };
}
