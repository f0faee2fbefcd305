// CORS of the local gateway, read from the one definition the deployed API uses: the HttpApi
// `CorsConfiguration` of infra/platform.yml, with the template's local value of `AllowedOrigins`.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './environment';

export const platformTemplate = join(repoRoot, 'infra', 'platform.yml');

/** API Gateway's HTTP API `CorsConfiguration`, origins resolved. */
export interface CorsPolicy {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge?: number;
}

/** The `CorsConfiguration` of an `AWS::ApiGatewayV2::Api`. */
export interface CorsConfiguration {
  AllowOrigins: string[] | { Ref: string };
  AllowMethods?: string[];
  AllowHeaders?: string[];
  ExposeHeaders?: string[];
  AllowCredentials?: boolean;
  MaxAge?: number;
}

/** The parts of infra/platform.yml the local platform reads. */
export interface PlatformTemplate {
  Metadata?: { LocalParameters?: Record<string, string[]> };
  Parameters: Record<string, { Type: string; Default?: string }>;
  Rules?: Record<string, unknown>;
  Resources: { HttpApi: { Properties: { CorsConfiguration: CorsConfiguration } } };
}

/** CloudFormation's short forms (`!Ref X`, `!Sub …`) as their long forms, so the template reads as data. */
const cloudFormationTags = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Not', 'And', 'Or', 'Contains'].flatMap(
  (name) => {
    const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
    return [
      { tag: `!${name}`, resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }) },
      {
        tag: `!${name}`,
        collection: 'seq' as const,
        resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
      },
    ];
  },
);

export function readPlatformTemplate(path = platformTemplate): PlatformTemplate {
  return parse(readFileSync(path, 'utf8'), { customTags: cloudFormationTags }) as PlatformTemplate;
}

/**
 * The CORS policy of the local gateway: exactly the deployed HttpApi's, the allowed origins being
 * `allowedOrigins` when given (`npm start -- --allowed-origins …`), else the template's local value
 * of the `AllowedOrigins` parameter (`Metadata.LocalParameters`).
 */
export function corsPolicy(allowedOrigins?: string[], template = readPlatformTemplate()): CorsPolicy {
  const configuration = template.Resources.HttpApi.Properties.CorsConfiguration;
  const origins = configuration.AllowOrigins;
  let allowOrigins: string[];
  if (Array.isArray(origins)) allowOrigins = origins;
  else {
    const local = template.Metadata?.LocalParameters?.[origins.Ref];
    if (!template.Parameters[origins.Ref] || !local) {
      throw new Error(`infra/platform.yml: AllowOrigins refers to ${origins.Ref}, which has no local value`);
    }
    allowOrigins = allowedOrigins ?? local;
  }
  return {
    allowOrigins,
    allowMethods: configuration.AllowMethods ?? [],
    allowHeaders: configuration.AllowHeaders ?? [],
    exposeHeaders: configuration.ExposeHeaders ?? [],
    allowCredentials: configuration.AllowCredentials ?? false,
    ...(configuration.MaxAge !== undefined ? { maxAge: configuration.MaxAge } : {}),
  };
}

/**
 * Whether an origin is allowed: an exact entry, `*` (any origin), or an entry with `*` standing for
 * any host or port characters (`https://*` as API Gateway reads it; `http://localhost:*` locally).
 */
export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  return policy.allowOrigins.some((allowed) => {
    if (allowed === '*' || allowed === origin) return true;
    if (!allowed.includes('*')) return false;
    const pattern = allowed
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/\\s@]*');
    return new RegExp(`^${pattern}$`).test(origin);
  });
}

/** A request API Gateway answers itself: OPTIONS with `Origin` and `Access-Control-Request-Method`. */
export const isPreflight = (method: string, headers: IncomingHttpHeaders): boolean =>
  method === 'OPTIONS' && typeof headers.origin === 'string' && headers['access-control-request-method'] !== undefined;

/**
 * The CORS headers of a response to a request with these headers: none without an allowed
 * `Origin` (the response is otherwise the same), the preflight's for a preflight.
 */
export function corsHeaders(policy: CorsPolicy, method: string, headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const origin = headers.origin;
  if (typeof origin !== 'string' || !originAllowed(policy, origin)) return {};
  const common: OutgoingHttpHeaders = {
    'access-control-allow-origin': policy.allowOrigins.includes('*') && !policy.allowCredentials ? '*' : origin,
    ...(policy.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    vary: 'Origin',
  };
  if (!isPreflight(method, headers)) {
    return policy.exposeHeaders.length > 0
      ? { ...common, 'access-control-expose-headers': policy.exposeHeaders.join(',') }
      : common;
  }
  return {
    ...common,
    'access-control-allow-methods': policy.allowMethods.join(','),
    ...(policy.allowHeaders.length > 0 ? { 'access-control-allow-headers': policy.allowHeaders.join(',') } : {}),
    ...(policy.maxAge !== undefined ? { 'access-control-max-age': String(policy.maxAge) } : {}),
  };
}

/** API Gateway ignores the CORS headers of its integrations: so does the gateway (serverless-offline's reflect any origin). */
export function withoutCorsHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')),
  );
}
