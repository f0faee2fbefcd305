/** The in-memory form of schemas/, shared by every emitter. */

/** A JSON-Schema-like definition as written in the YAML (with `$ref: Name` and `nullable`). */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: string[];
  nullable?: boolean;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  default?: unknown;
  examples?: unknown[];
  [keyword: string]: unknown;
}

/** A rate: `rps` requests per second on average, `burst` of them at once (a quota of `burst` per `burst / rps` seconds). */
export interface RateDef {
  description?: string;
  rps: number;
  burst: number;
}

export interface PlanDef {
  description?: string;
  members: number;
  applications: number;
  /** Custom roles an organization may define (contract §9). */
  customRoles: number;
  keyMode: string;
  byok: boolean;
  /** Per organization, and separately per API key of the organization. */
  rateLimit: RateDef;
}

/** schemas/rate-limits.yaml: the rate limits that follow no plan. */
export interface RateLimitsDef {
  /** Per user on the routes that name no organization (/me/*, POST /organizations). */
  user: RateDef;
  /** Per platform staff user (groups OWNER, EMPLOYEE), on every route. */
  staff: RateDef;
  /** Per source IP, for requests refused before a credential verified. */
  anonymous: RateDef;
  /** Abuse limits: creates per user per hour, by operation id. */
  perUserPerHour: Record<string, number>;
}

export interface ErrorDef {
  status: number;
  message: string;
  description?: string;
  /** The answer carries a `Retry-After` header (seconds): 429 and 503. */
  retryAfter?: boolean;
}

export type Auth = 'user' | 'user-or-api-key' | 'api-key' | 'none';

export interface Operation {
  id: string;
  service: string;
  method: string;
  path: string;
  summary: string;
  /** Required: every operation of the OpenAPI document has one. */
  description: string;
  auth: Auth;
  scope?: string;
  successStatus: number;
  idempotent: boolean;
  /** Name of the request body definition. */
  body?: string;
  bodyRequired: boolean;
  /** Query parameters, `limit` and `cursor` included for paginated operations. */
  query: Record<string, Schema>;
  pathParams: string[];
  /** Name of the response body definition (a `<Item>Page` for paginated ones); none for 204. */
  response?: string;
  paginated: boolean;
  /** Every error code the operation may answer. */
  errors: string[];
  /**
   * The status of a degraded answer, which carries the success body (saying what is degraded)
   * instead of an error: a health check that reports on others. Replaces SERVICE_UNAVAILABLE.
   */
  degradedStatus?: number;
}

export interface Model {
  /** Every named schema: enums, entities, bodies, pages, in a stable order. */
  definitions: Record<string, Schema>;
  plans: Record<string, PlanDef>;
  rateLimits: RateLimitsDef;
  errors: Record<string, ErrorDef>;
  parameters: Record<string, Schema>;
  operations: Operation[];
}

/** `notifications:send` → `NOTIFICATIONS_SEND`, `api_key.rotated` → `API_KEY_ROTATED`. */
export function constantKey(value: string): string {
  return value.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

/** Follows `$ref` aliases (`OrganizationId` → `Id`) down to a schema that is not a bare reference. */
export function resolve(model: Model, schema: Schema): Schema {
  let current = schema;
  while (current.$ref) {
    const target = model.definitions[current.$ref];
    if (!target) throw new Error(`Unknown $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

export function isEnum(schema: Schema): boolean {
  return Array.isArray(schema.enum);
}

/** An object with named properties (a record/map or a free-form object has none). */
export function isRecordObject(schema: Schema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}
