// The HTTP edge, through the one base URL and each service's own serverless-offline port: an
// Idempotency-Key names one principal's request (contract §5), every answer of a route with a
// credential carries the RateLimit headers (contract §5), every answer is the error envelope of
// contract §8 (a malformed URL too), and a string that is not well-formed Unicode is refused.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, errorCode, type TestUser } from '@tenantry/local-platform/testing';
import { eventually, foundOrganization, join, type Organization, testUser } from './support';

let owner: TestUser;
let org: Organization;

beforeAll(async () => {
  owner = await testUser();
  org = await foundOrganization(owner);
}, 60_000);

/** A request sent exactly as given (body text, content type), with the owner's token unless told otherwise. */
async function raw(path: string, init: { method?: string; body?: string; contentType?: string; base?: string } = {}) {
  const response = await fetch(`${init.base ?? process.env.TENANTRY_BASE_URL}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${owner.token}`,
      ...(init.contentType ? { 'content-type': init.contentType } : {}),
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

/** The base URL of a service's own serverless-offline port (folder name), from the platform's state file. */
function servicePort(folder: string): string {
  const info = JSON.parse(readFileSync(`${process.env.TENANTRY_DATA_DIR}/platform.json`, 'utf8')) as {
    offline: Record<string, { directory: string; httpPort: number }>;
  };
  const service = Object.values(info.offline).find((entry) => entry.directory.endsWith(folder));
  if (!service) throw new Error(`no serverless-offline port for ${folder}`);
  return `http://127.0.0.1:${service.httpPort}`;
}

const envelope = (code: string) => ({
  error: expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }),
});

describe('Idempotency-Key is one principal’s', () => {
  it('delivers two ADMINs’ broadcasts sent with the same key', async () => {
    const [first, second, member] = await Promise.all([
      join(owner, org.id, 'ADMIN'),
      join(owner, org.id, 'ADMIN'),
      join(owner, org.id, 'MEMBER'),
    ]);
    const key = randomUUID();
    const send = (admin: TestUser, title: string) =>
      call(
        admin,
        'POST',
        `/organizations/${org.id}/notifications`,
        { title, body: 'Same key, another sender.', audience: { roles: ['MEMBER'] } },
        { 'Idempotency-Key': key },
      );

    const answers = [await send(first, 'From the first ADMIN'), await send(second, 'From the second ADMIN')];

    expect(answers).toEqual([
      { status: 201, body: { recipients: 1 } },
      { status: 201, body: { recipients: 1 } },
    ]);
    const titles = await eventually(
      async () => {
        const inbox = await call(member, 'GET', '/me/notifications?limit=100');
        return (inbox.body.items as { type: string; organizationId?: string; title: string }[])
          .filter((item) => item.type === 'organization.message' && item.organizationId === org.id)
          .map((item) => item.title)
          .sort();
      },
      { until: (seen) => seen.length >= 2, description: 'both broadcasts in the member’s inbox' },
    );
    expect(titles).toEqual(['From the first ADMIN', 'From the second ADMIN']);
  });
});

describe('RateLimit headers on every answer of a route with a credential', () => {
  it.each([
    ['a JSON string', '"hello"', 'application/json', 400],
    ['a __proto__ key', '{"__proto__":{"name":"x"}}', 'application/json', 400],
    ['a syntax error', '{"name":', 'application/json', 400],
    ['a whitespace body', '   ', 'application/json', 400],
    ['another content type', 'name=x', 'text/plain', 415],
  ])('answers %s refused with RateLimit-Limit, -Remaining and -Reset', async (_, body, contentType, status) => {
    const reply = await raw(`/organizations/${org.id}`, { method: 'PATCH', body, contentType });
    expect({ status: reply.status, code: reply.body.error?.code }).toEqual({
      status,
      code: status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED',
    });
    for (const header of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      expect({ header, value: reply.headers.get(header) }).toEqual({ header, value: expect.stringMatching(/^\d+$/) });
    }
  });
});

describe('the error envelope for a path that is not valid percent-encoding', () => {
  const paths = ['/organizations/x/applications/y/secrets/%C0%AF', '/organizations/%ED%A0%80'];

  it.each(paths)('answers 400 VALIDATION_FAILED through the gateway for %s', async (path) => {
    const reply = await raw(path);
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: envelope('VALIDATION_FAILED') });
  });

  it.each(paths)('answers 400 VALIDATION_FAILED on the service’s own port for %s', async (path) => {
    const folder = path.includes('applications') ? 'applications' : 'organizations';
    const reply = await raw(path, { base: servicePort(folder) });
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: envelope('VALIDATION_FAILED') });
  });

  it('answers 404 NOT_FOUND on a service’s own port for a path it does not serve', async () => {
    const reply = await raw('/no/such/route', { base: servicePort('notifications') });
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: envelope('NOT_FOUND') });
  });
});

describe('strings that are not well-formed Unicode', () => {
  it('refuses a secret value with a lone surrogate, naming the field, and stores nothing', async () => {
    const app = await call(owner, 'POST', `/organizations/${org.id}/applications`, { name: 'Unicode' });
    expect(app.status).toBe(201);
    const path = `/organizations/${org.id}/applications/${app.body.id}/secrets/lone`;

    const reply = await call(owner, 'PUT', path, { value: '\ud800x' });

    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(reply.body.error.details).toContainEqual({ field: '/value', message: expect.any(String) });
    expect((await call(owner, 'GET', path)).status).toBe(404);
  });

  it('refuses an organization name with a lone surrogate, and changes nothing', async () => {
    const reply = await call(owner, 'PATCH', `/organizations/${org.id}`, { name: 'Bad \udc00 name' });

    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(reply.body.error.details).toContainEqual({ field: '/name', message: expect.any(String) });
    expect((await call(owner, 'GET', `/organizations/${org.id}`)).body.name).toBe(org.name);
  });
});
