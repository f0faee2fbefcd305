/**
 * The environment contract: every variable a Tenantry function may read, where its value comes from,
 * and what a good value is. `services/serverless.shared.yml` (`stageEnvironment`) and the local
 * platform's environment (`@tenantry/local-platform`) are checked against this list by a test, so
 * neither can add a variable the other lacks.
 */

/** Where a variable's value comes from. */
export type Source =
  /** `stageEnvironment.default` of services/serverless.shared.yml: every function of every stage. */
  | 'stage'
  /** `stageEnvironment.local` only: the local stand-ins, never deployed. */
  | 'local'
  /** One function's own `environment` in its serverless.yml: differs between functions of a service. */
  | 'function'
  /** The Lambda runtime (serverless-offline locally). */
  | 'lambda'
  /** Nobody by default: an operator may set it on a stage to change a default. */
  | 'operator';

export interface Variable<T> {
  source: Source;
  /** A good value, in words, for the error that names a malformed one. */
  expected: string;
  /** The value of a set (non-empty) variable; undefined when it is malformed. */
  parse: (raw: string) => T | undefined;
  /** The value when unset. Only where the contract makes the variable optional; absent: it is required. */
  unset?: { value: T };
  /**
   * False when the local platform's environment for tests and tools leaves it out: its value belongs
   * to one service (SERVICE_NAME, IDEMPOTENCY_TABLE), to the process itself (NODE_OPTIONS), or only to
   * the offline services (the DynamoDB timeouts).
   */
  shared?: false;
}

const text = (raw: string): string => raw;
const url = (raw: string): string | undefined => (URL.canParse(raw) ? raw : undefined);
const integerFrom =
  (minimum: number) =>
  (raw: string): number | undefined => {
    const value = Number(raw);
    return /^\d+$/.test(raw.trim()) && Number.isSafeInteger(value) && value >= minimum ? value : undefined;
  };
const numberFrom =
  (minimum: number) =>
  (raw: string): number | undefined => {
    const value = Number(raw);
    return raw.trim() !== '' && Number.isFinite(value) && value >= minimum ? value : undefined;
  };
const flag = (raw: string): boolean | undefined =>
  raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined;

const required = <T>(source: Source, expected: string, parse: (raw: string) => T | undefined): Variable<T> => ({
  source,
  expected,
  parse,
});
const optional = <T>(
  source: Source,
  expected: string,
  parse: (raw: string) => T | undefined,
): Variable<T | undefined> => ({
  source,
  expected,
  parse,
  unset: { value: undefined },
});
const defaulted = <T>(
  source: Source,
  expected: string,
  parse: (raw: string) => T | undefined,
  value: T,
): Variable<T> => ({
  source,
  expected,
  parse,
  unset: { value },
});

const tableName = required('stage', 'a table name', text);

export const environmentContract = {
  // Every stage (stageEnvironment.default).
  NODE_OPTIONS: { ...optional('stage', 'node options', text), shared: false },
  SERVICE_NAME: { ...required('stage', 'a service name (tenantry-<name>)', text), shared: false },
  STAGE: required('stage', 'a stage name', text),
  ORGANIZATIONS_TABLE: tableName,
  MEMBERSHIPS_TABLE: tableName,
  APPLICATIONS_TABLE: tableName,
  NOTIFICATIONS_TABLE: tableName,
  RATE_LIMITS_TABLE: tableName,
  /** Multiplies every rate limit (docs/adr/0003-rate-limits.md); 1 is as deployed. */
  RATE_LIMIT_SCALE: required('stage', 'a number ≥ 1', numberFrom(1)),
  IDEMPOTENCY_TABLE: { ...tableName, shared: false },
  EVENT_BUS_NAME: required('stage', 'an event bus name', text),
  USER_POOL_ID: required('stage', 'a Cognito user pool id', text),
  AUTH_CLIENT_ID: required('stage', 'a Cognito app client id', text),
  AUTH_ISSUER: required('stage', 'a URL', url),
  PLATFORM_KMS_KEY_ID: required('stage', 'a KMS key id, ARN or alias', text),
  // Local stand-ins only (stageEnvironment.local); deployed, the SDKs use the region.
  AWS_ACCESS_KEY_ID: optional('local', 'an access key id', text),
  AWS_SECRET_ACCESS_KEY: optional('local', 'a secret access key', text),
  DYNAMODB_ENDPOINT: optional('local', 'a URL', url),
  /**
   * Deployed bounds of the DynamoDB client: 1 s to connect, 3 s of silence per attempt. Stage local
   * widens them for its offline services (DynamoDB Local queues a burst); tests and tools keep these.
   */
  DYNAMODB_CONNECTION_TIMEOUT_MS: {
    ...defaulted('local', 'a whole number of milliseconds > 0', integerFrom(1), 1000),
    shared: false,
  },
  DYNAMODB_SOCKET_TIMEOUT_MS: {
    ...defaulted('local', 'a whole number of milliseconds > 0', integerFrom(1), 3000),
    shared: false,
  },
  EVENTBRIDGE_ENDPOINT: optional('local', 'a URL', url),
  /** Set: the local key provider of @tenantry/crypto on this folder; unset: AWS KMS. */
  LOCAL_KMS_DIR: optional('local', 'a folder', text),
  /** Any Scan through the document client fails (request paths never scan). */
  TENANTRY_FORBID_SCAN: defaulted('local', '1, 0, true or false', flag, false),
  // One function's own environment (read at each use: locally the functions of a service share a process).
  /** How long one invocation of the notifications service spends on deliveries before it stops. */
  NOTIFICATIONS_WORK_BUDGET_MS: defaulted('function', 'a whole number of milliseconds', integerFrom(0), 15_000),
  // The Lambda runtime.
  AWS_LAMBDA_FUNCTION_NAME: optional('lambda', 'a function name', text),
  AWS_REGION: optional('lambda', 'a region', text),
  // Operators' overrides of a default.
  LOG_LEVEL: optional('operator', 'a log level', text),
  /** A positive number turns layer 2's organization cache on (seconds); 0: off. */
  ORG_CONTEXT_CACHE_TTL_SECONDS: defaulted('operator', 'a number of seconds ≥ 0', numberFrom(0), 0),
  KMS_ENDPOINT: optional('operator', 'a URL', url),
  /** Default: `{AUTH_ISSUER}/.well-known/jwks.json`. */
  AUTH_JWKS_URI: optional('operator', 'a URL', url),
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof environmentContract;

/** The variables whose value comes from `source`. */
export function variablesFrom(source: Source): VariableName[] {
  return (Object.keys(environmentContract) as VariableName[]).filter(
    (name) => environmentContract[name].source === source,
  );
}
