import { beforeAll, describe, expect, it } from '@jest/globals';
import { corsPolicy, originAllowed, readPlatformTemplate } from '../src/cors';
import { baseUrl, type TestUser, testUser } from '../src/testing';

// The one definition: the HttpApi CorsConfiguration of infra/platform.yml, which the deployed API
// gets from CloudFormation and the local gateway reads from the same file.
const template = readPlatformTemplate();
const configuration = template.Resources.HttpApi.Properties.CorsConfiguration;
const allowMethods = configuration.AllowMethods ?? [];
const allowHeaders = configuration.AllowHeaders ?? [];
const exposeHeaders = configuration.ExposeHeaders ?? [];
const localOrigins = template.Metadata?.LocalParameters?.AllowedOrigins;

const list = (value: string | null) => (value ?? '').split(',').map((item) => item.trim().toLowerCase());
const corsHeadersOf = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS of infra/platform.yml', () => {
  it('takes the allowed origins from a stage parameter with no default, and refuses * on production-like stages', () => {
    expect(configuration.AllowOrigins).toEqual({ Ref: 'AllowedOrigins' });
    expect(template.Parameters.AllowedOrigins).toMatchObject({ Type: 'CommaDelimitedList' });
    expect(template.Parameters.AllowedOrigins).not.toHaveProperty('Default');
    expect(JSON.stringify(template.Rules)).toContain('"Fn::Contains":[{"Ref":"AllowedOrigins"},"*"]');
  });

  it('allows every header the API reads and exposes every header it returns that a browser must see', () => {
    expect(allowHeaders.map((name) => name.toLowerCase())).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-api-key']),
    );
    expect(exposeHeaders.map((name) => name.toLowerCase())).toEqual(
      expect.arrayContaining([
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'retry-after',
        'x-request-id',
      ]),
    );
    expect(configuration.AllowCredentials).toBe(false);
  });

  it('allows local front ends on any port by default, and exactly the origins given otherwise', () => {
    expect(localOrigins).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    const local = corsPolicy();
    expect(originAllowed(local, 'http://localhost:5173')).toBe(true);
    expect(originAllowed(local, 'http://127.0.0.1:8080')).toBe(true);
    expect(originAllowed(local, 'https://localhost:5173')).toBe(false);
    expect(originAllowed(local, 'http://localhost.evil.example:5173')).toBe(false);
    expect(originAllowed(local, 'https://app.example.com')).toBe(false);

    const given = corsPolicy(['https://app.example.com']);
    expect(originAllowed(given, 'https://app.example.com')).toBe(true);
    expect(originAllowed(given, 'http://localhost:5173')).toBe(false);
  });
});

describe('CORS of the local gateway (npm start)', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await testUser();
  });

  it('answers the preflight of an allowed origin with the headers of infra/platform.yml', async () => {
    const response = await fetch(`${baseUrl()}/me/organizations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(list(response.headers.get('access-control-allow-methods'))).toEqual(
      allowMethods.map((method) => method.toLowerCase()),
    );
    expect(list(response.headers.get('access-control-allow-headers'))).toEqual(
      allowHeaders.map((name) => name.toLowerCase()),
    );
    expect(response.headers.get('access-control-max-age')).toBe(String(configuration.MaxAge));
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('adds the CORS headers to a credential-less GET from an allowed origin, and exposes the API headers', async () => {
    const response = await fetch(`${baseUrl()}/me/organizations`, {
      headers: { origin: 'http://127.0.0.1:8080', authorization: `Bearer ${user.token}` },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(list(response.headers.get('access-control-expose-headers'))).toEqual(
      exposeHeaders.map((name) => name.toLowerCase()),
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(list(response.headers.get('vary'))).toContain('origin');
  });

  it('gives a disallowed origin no CORS headers, and runs its request as any other', async () => {
    const origin = 'https://evil.example';
    const preflight = await fetch(`${baseUrl()}/me/organizations`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET' },
    });
    const withOrigin = await fetch(`${baseUrl()}/me/organizations`, {
      headers: { origin, authorization: `Bearer ${user.token}` },
    });
    const withoutOrigin = await fetch(`${baseUrl()}/me/organizations`, {
      headers: { authorization: `Bearer ${user.token}` },
    });

    expect(preflight.status).toBe(204);
    expect(corsHeadersOf(preflight)).toEqual([]);
    // serverless-offline behind the gateway would reflect any Origin with credentials: not here.
    expect(corsHeadersOf(withOrigin)).toEqual([]);
    expect(withOrigin.status).toBe(withoutOrigin.status);
    expect(await withOrigin.json()).toEqual(await withoutOrigin.json());
  });
});
