// What the generated OpenAPI document tells clients beyond the shapes, held against what the code and
// the infrastructure really do: the CORS headers of infra/platform.yml on every answer, servers marked
// internal or not, how a bearer token is verified (packages/security/src/jwt.ts), and health routes
// that carry no RateLimit headers because they are not rate limited.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { CORS } from '../codegen/emit-openapi';
import { openapiDocument } from '../generated/openapi';
import { packageDir } from './helpers';

type Json = Record<string, unknown>;
const document = openapiDocument as unknown as Json;
const components = document.components as Json;
const repoRoot = join(packageDir, '../..');
const source = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

const operations: [string, Json][] = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
  ([path, item]) => Object.entries(item).map(([method, operation]): [string, Json] => [`${method} ${path}`, operation]),
);

/** A response object, following a `$ref` into components.responses. */
function response(value: unknown): Json {
  const ref = (value as { $ref?: string }).$ref;
  return ref ? ((components.responses as Json)[ref.split('/').pop()!] as Json) : (value as Json);
}

const CORS_HEADERS = ['Access-Control-Allow-Origin', 'Access-Control-Expose-Headers'];
const lower = (names: string[]) => names.map((name) => name.toLowerCase());

describe('CORS in the OpenAPI document', () => {
  it('is the CORS configuration of the HTTP API in infra/platform.yml', () => {
    const template = parse(source('infra/platform.yml'), { logLevel: 'error' });
    const configuration = template.Resources.HttpApi.Properties.CorsConfiguration;
    expect({
      allowMethods: CORS.allowMethods,
      allowHeaders: lower(CORS.allowHeaders),
      exposeHeaders: lower(CORS.exposeHeaders),
      allowCredentials: CORS.allowCredentials,
      maxAge: CORS.maxAge,
    }).toEqual({
      allowMethods: configuration.AllowMethods,
      allowHeaders: lower(configuration.AllowHeaders),
      exposeHeaders: lower(configuration.ExposeHeaders),
      allowCredentials: configuration.AllowCredentials,
      maxAge: configuration.MaxAge,
    });
  });

  it('documents its response headers once, as components, naming every exposed header', () => {
    const headers = components.headers as Record<string, Json>;
    for (const name of CORS_HEADERS)
      expect({ name, required: headers[name]?.required }).toEqual({ name, required: false });
    for (const exposed of CORS.exposeHeaders) {
      expect(headers['Access-Control-Expose-Headers']?.description).toContain(exposed);
    }
    expect(headers['Access-Control-Allow-Origin']?.description).toContain('no Access-Control-Allow-Credentials');
  });

  it('puts them on every answer of every operation, errors included', () => {
    for (const [name, operation] of operations) {
      for (const [status, value] of Object.entries(operation.responses as Json)) {
        const headers = (response(value).headers ?? {}) as Record<string, { $ref?: string }>;
        const refs = CORS_HEADERS.map((header) => headers[header]?.$ref);
        expect({ name, status, refs }).toEqual({
          name,
          status,
          refs: CORS_HEADERS.map((header) => `#/components/headers/${header}`),
        });
      }
    }
  });
});

describe('the servers of the OpenAPI document', () => {
  it('each say whether they are internal, in x-internal and in words, as their address shows', () => {
    const servers = document.servers as { url: string; description: string; 'x-internal': unknown }[];
    expect(servers.map((server) => server['x-internal']).sort()).toEqual([false, true]);
    for (const server of servers) {
      const internal = server['x-internal'] === true;
      expect({ url: server.url, internal, loopback: server.url.startsWith('http://127.0.0.1:') }).toEqual({
        url: server.url,
        internal,
        loopback: internal,
      });
      expect(server.description).toMatch(internal ? /\binternal\b/ : /\bnot internal\b/);
    }
  });
});

describe('the bearer scheme of the OpenAPI document', () => {
  const description = String(((components.securitySchemes as Json).bearerAuth as Json).description);
  const jwt = source('packages/security/src/jwt.ts');

  it('states the RFC 8725 practices the verifier follows', () => {
    for (const claim of [
      'RFC 8725',
      'RS256',
      'none',
      'kid',
      'JWKS',
      'iss',
      'aud',
      'token_use',
      'exp',
      'nbf',
      'no clock-skew grace',
    ]) {
      expect({ claim, stated: description.includes(claim) }).toEqual({ claim, stated: true });
    }
  });

  it('states only what packages/security/src/jwt.ts does', () => {
    expect(jwt).toContain("headerAlgorithm(token) !== 'RS256'");
    expect(jwt).toMatch(/tokenUse: 'id'/);
    expect(jwt).toMatch(/payload\.token_use !== 'id'/);
    expect(jwt.match(/graceSeconds: 0/g)).toHaveLength(2);
    expect(jwt).toMatch(/audience: clientId/);
  });
});

describe('the health routes of the OpenAPI document', () => {
  const health = operations.filter(([, operation]) => operation['x-auth'] === 'none');

  it('say they are not rate limited, and document no RateLimit header, as their public routes send none', () => {
    expect(health.map(([name]) => name).sort()).toEqual(['get /health', 'get /health/{service}']);
    for (const [name, operation] of health) {
      expect({ name, said: String(operation.description).includes('Not rate limited') }).toEqual({ name, said: true });
      for (const value of Object.values(operation.responses as Json)) {
        expect(Object.keys(response(value).headers ?? {}).filter((header) => header.startsWith('RateLimit'))).toEqual(
          [],
        );
      }
    }
    for (const service of ['organizations', 'memberships', 'applications', 'notifications']) {
      const handler = source(`services/${service}/src/functions/health/handler.ts`);
      expect({ service, publicRoute: handler.includes('publicRoute(') }).toEqual({ service, publicRoute: true });
    }
  });

  it('claim no 400: each service serves its own fixed health path, so no request reaches one with a value to refuse', () => {
    for (const [name, operation] of health) {
      expect({ name, statuses: Object.keys(operation.responses as Json) }).toEqual({
        name,
        statuses: expect.not.arrayContaining(['400']),
      });
    }
    for (const service of ['organizations', 'memberships', 'applications', 'notifications']) {
      expect(source(`services/${service}/serverless.yml`)).toContain(`path: /health/${service} }`);
    }
  });

  it("document the platform's 503 as the gateway sends it: the Health body saying what is degraded", () => {
    const [, platform] = health.find(([name]) => name === 'get /health')!;
    const degraded = response((platform.responses as Json)['503']);
    expect(degraded.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Health' } } });
    expect(Object.keys(degraded.headers as Json)).not.toContain('Retry-After');
    expect(source('packages/local-platform/src/gateway.ts')).toContain(
      "ok ? 200 : 503, { status: ok ? 'ok' : 'degraded'",
    );
  });
});
