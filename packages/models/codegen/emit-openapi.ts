/** Emits the OpenAPI 3.1 document of the whole HTTP API, as YAML and as a TypeScript object. */
import { stringify } from 'yaml';
import { type JsonSchema, parameterSchema, pathParameterSchemas, toJsonSchema } from './json-schema';
import type { Model, Operation } from './model';

const REF_PREFIX = '#/components/schemas/';
const JSON_TYPE = 'application/json';

const SECURITY: Record<Operation['auth'], Record<string, string[]>[]> = {
  user: [{ bearerAuth: [] }],
  'user-or-api-key': [{ bearerAuth: [] }, { apiKeyAuth: [] }],
  'api-key': [{ apiKeyAuth: [] }],
  none: [],
};

const STATUS_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'Internal',
  503: 'ServiceUnavailable',
};

const SERVICE_TAGS = [
  { name: 'organizations', description: 'Organizations, their lifecycle, plans and ownership; health.' },
  { name: 'memberships', description: 'Members and invitations.' },
  { name: 'applications', description: 'Applications, their rotating API keys and secrets.' },
  { name: 'notifications', description: 'The notification inbox and the audit log.' },
];

const RETRY_AFTER = {
  description: 'Seconds to wait before retrying.',
  required: true,
  schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 3600 },
};

const headersOf = (headers: Record<string, unknown>) => (Object.keys(headers).length ? { headers } : {});

/** The RateLimit header fields (IETF draft) on every 2xx and 4xx answer of a rate-limited route. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description: 'The quota of the window that binds this request (the lowest remaining of the limits that apply).',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 100_000_000 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the window.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 100_000_000 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window ends and the quota is whole again.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 3600 },
  },
};

/**
 * The HTTP API's CORS configuration (`CorsConfiguration` of infra/platform.yml, which the local
 * gateway also follows), as the document tells clients; a test keeps the two the same.
 */
export const CORS = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Api-Key'],
  exposeHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id'],
  allowCredentials: false,
  maxAge: 600,
};

/**
 * The CORS header fields the HTTP API adds to every answer, errors included, to a request whose
 * `Origin` the stage allows; none otherwise.
 */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': {
    description:
      "Present when the request's Origin is one the stage allows (its AllowedOrigins): that Origin, or * on a stage " +
      'that allows any origin; absent for any other Origin and without one. Credentials are never allowed (no ' +
      'Access-Control-Allow-Credentials). Preflights (OPTIONS with Origin and Access-Control-Request-Method) are ' +
      `answered by the API itself: methods ${CORS.allowMethods.join(', ')}; request headers ` +
      `${CORS.allowHeaders.join(', ')}; Access-Control-Max-Age ${CORS.maxAge}.`,
    required: false,
    schema: { type: 'string', maxLength: 2048, pattern: '^(\\*|https?://[^/\\s]+)$' },
  },
  'Access-Control-Expose-Headers': {
    description: `With Access-Control-Allow-Origin: the response headers a browser script may read (${CORS.exposeHeaders.join(', ')}).`,
    required: false,
    schema: { type: 'string', maxLength: 1024, pattern: '^[A-Za-z0-9-]+( *, *[A-Za-z0-9-]+)*$' },
  },
};

const headerRefs = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(headers).map((name) => [name, { $ref: `#/components/headers/${name}` }]));
const rateLimitHeaderRefs = () => headerRefs(RATE_LIMIT_HEADERS);
const corsHeaderRefs = () => headerRefs(CORS_HEADERS);

/** How a bearer token is verified (packages/security/src/jwt.ts), following RFC 8725 (JWT Best Current Practices). */
const BEARER_DESCRIPTION =
  'Cognito ID token of the platform user pool, in Authorization: Bearer <token>. Verified as RFC 8725 advises: ' +
  "the algorithm is pinned (the header's alg must be RS256 before anything else is looked at: none, HS256 and " +
  "every other algorithm are refused); the signature is checked with the key of the pool's JWKS that the " +
  "token's kid names (the JWKS is fetched at start, over https deployed, and cached; an unknown kid fetches it again, " +
  "rate limited); iss must be the pool's issuer and aud the app client id; token_use must be id (an access " +
  'token is refused); exp and nbf are enforced with no clock-skew grace; sub must be present. A token that fails ' +
  'any check answers 401 UNAUTHENTICATED, always the same body; a JWKS that cannot be fetched answers 503 ' +
  'SERVICE_UNAVAILABLE with Retry-After, never 401.';

/** What a route without a credential (the health checks) says of rate limits. */
const NOT_RATE_LIMITED =
  'Not rate limited: it carries no credential and reads no tenant state, so its answers carry no RateLimit ' +
  "headers (only the stage's coarse throttling applies, a 429 from API Gateway itself).";

/** Is the operation rate limited (every route with a credential; not the health checks)? */
const isRateLimited = (operation: Operation) => operation.auth !== 'none';

/** The error response objects by component name; `rateLimited`: with the RateLimit headers (4xx only). */
function errorResponses(model: Model, rateLimited = true): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const [code, error] of Object.entries(model.errors)) {
    byStatus.set(error.status, [...(byStatus.get(error.status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      STATUS_NAMES[status] ?? `Status${status}`,
      {
        description: `Error: ${codes.join(' | ')}.`,
        ...headersOf({
          ...(codes.some((code) => model.errors[code]?.retryAfter) ? { 'Retry-After': RETRY_AFTER } : {}),
          ...(rateLimited && status < 500 ? rateLimitHeaderRefs() : {}),
          ...corsHeaderRefs(),
        }),
        content: {
          [JSON_TYPE]: {
            schema: { $ref: `${REF_PREFIX}ErrorResponse` },
            examples: Object.fromEntries(
              codes.map((code) => [
                code,
                {
                  summary: model.errors[code]?.description ?? model.errors[code]?.message,
                  value: {
                    error: {
                      code,
                      message: model.errors[code]?.message,
                      requestId: '5f0c6d1e-8c1b-4a52-9b4e-0d7c1f2a3b4c',
                    },
                  },
                },
              ]),
            ),
          },
        },
      },
    ]),
  );
}

function operationObject(model: Model, operation: Operation): Record<string, unknown> {
  const parameters: unknown[] = Object.entries(pathParameterSchemas(model, operation)).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema,
  }));
  for (const [name, schema] of Object.entries(operation.query)) {
    const { description, ...rest } = parameterSchema(model, schema);
    parameters.push({ name, in: 'query', required: false, description, schema: rest });
  }
  if (operation.idempotent) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });

  const limited = isRateLimited(operation);
  const successHeaders = { ...(limited ? rateLimitHeaderRefs() : {}), ...corsHeaderRefs() };
  const responses: Record<string, unknown> = {
    [operation.successStatus]: operation.response
      ? {
          description: 'Success.',
          ...headersOf(successHeaders),
          content: { [JSON_TYPE]: { schema: { $ref: `${REF_PREFIX}${operation.response}` } } },
        }
      : { description: 'Success, no content.', ...headersOf(successHeaders) },
  };
  if (operation.degradedStatus && operation.response) {
    responses[operation.degradedStatus] = {
      description: 'Degraded: the same body, saying what did not answer ok.',
      ...headersOf(corsHeaderRefs()),
      content: { [JSON_TYPE]: { schema: { $ref: `${REF_PREFIX}${operation.response}` } } },
    };
  }
  const statuses = [...new Set(operation.errors.map((code) => model.errors[code]?.status ?? 500))].sort();
  // A health check carries no RateLimit headers: its errors are written out without them.
  const unlimited = limited ? {} : errorResponses(model, false);
  for (const status of statuses) {
    const name = STATUS_NAMES[status] ?? `Status${status}`;
    responses[status] = limited ? { $ref: `#/components/responses/${name}` } : unlimited[name];
  }
  return {
    operationId: operation.id,
    summary: operation.summary,
    description: limited ? operation.description : `${operation.description} ${NOT_RATE_LIMITED}`,
    tags: [operation.service],
    security: SECURITY[operation.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.bodyRequired,
            content: { [JSON_TYPE]: { schema: { $ref: `${REF_PREFIX}${operation.body}` } } },
          },
        }
      : {}),
    responses,
    'x-service': operation.service,
    'x-auth': operation.auth,
    ...(operation.scope ? { 'x-scope': operation.scope } : {}),
    ...(operation.errors.length ? { 'x-error-codes': operation.errors } : {}),
  };
}

export function buildOpenApi(model: Model): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of model.operations) {
    paths[operation.path] ??= {};
    (paths[operation.path] as Record<string, unknown>)[operation.method.toLowerCase()] = operationObject(
      model,
      operation,
    );
  }
  const schemas = Object.fromEntries(
    Object.entries(model.definitions).map(([name, schema]) => [name, toJsonSchema(schema, REF_PREFIX)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tenantry API',
      version: '1.0.0',
      summary: 'Organizations, memberships, applications with rotating API keys, and notifications.',
      description:
        'Generated from schemas/. Lists take ?limit= (1..100, default 20) and ?cursor= and answer {items, nextCursor}. ' +
        'Every POST that creates something honours an Idempotency-Key header for 24 hours. ' +
        'Rate limits (per organization and per API key by plan, per user on /me/*, per user per hour on some creates, ' +
        'per platform staff user): above one, 429 RATE_LIMITED with Retry-After and nothing executed; every answer ' +
        'of a route with a credential carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      {
        url: 'https://{httpApiId}.execute-api.{region}.amazonaws.com',
        description:
          'A deployed stage, public (not internal): the HttpApiUrl output of infra/platform.yml, reached over https.',
        'x-internal': false,
        variables: {
          httpApiId: { default: 'abcdef1234', description: 'The HttpApiId output of the stage.' },
          region: { default: 'us-east-1', description: 'The AWS region of the stage.' },
        },
      },
      {
        url: 'http://127.0.0.1:3000',
        description:
          'The local platform (npm start), internal: it listens on 127.0.0.1 only, for development and tests, with ' +
          'local stand-ins for AWS.',
        'x-internal': true,
      },
    ],
    security: [{ bearerAuth: [] }],
    tags: SERVICE_TAGS,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: BEARER_DESCRIPTION,
        },
        apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'API key of an application.' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Replays the first response for 24 hours; another body with the same key answers 409.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
        },
      },
      headers: { ...RATE_LIMIT_HEADERS, ...CORS_HEADERS },
      responses: errorResponses(model),
      schemas,
    },
  };
}

export function emitOpenApi(document: JsonSchema): Record<string, string> {
  const header = '# Generated by packages/models/codegen from schemas/. Do not edit.\n';
  return {
    'generated/openapi.yaml': header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }),
    'generated/openapi.ts': `// Generated by packages/models/codegen from schemas/. Do not edit.\n/** The OpenAPI 3.1 document of the Tenantry API. */\nexport const openapiDocument = ${JSON.stringify(document, null, 2)};\n`,
  };
}
