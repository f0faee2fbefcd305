// Defects of bad input that once escaped the tests, through the one base URL: every list of every service
// refuses a limit no bound catches with 400, and a validation error stays within the contract's
// bounds (≤ 100 details, fields and messages ≤ 300 characters) however bad the body is. Never 500.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, errorCode, type TestUser } from '@tenantry/local-platform/testing';
import { foundOrganization, type Organization, testUser } from './support';

let owner: TestUser;
let staff: TestUser;
let org: Organization;
let appId: string;

beforeAll(async () => {
  [owner, staff] = await Promise.all([testUser(), testUser({ group: 'EMPLOYEE' })]);
  org = await foundOrganization(owner);
  const app = await call(owner, 'POST', `/organizations/${org.id}/applications`, { name: 'Bad input' });
  if (app.status !== 201) throw new Error(`application: ${app.status} ${JSON.stringify(app.body)}`);
  appId = app.body.id;
}, 60_000);

describe('?limit= on every list', () => {
  const lists = (): [string, TestUser, string][] => [
    ['organizations', staff, '/organizations'],
    ['memberships', owner, '/me/organizations'],
    ['memberships', owner, `/organizations/${org.id}/members`],
    ['memberships', owner, `/organizations/${org.id}/invitations`],
    ['memberships', owner, '/me/invitations'],
    ['applications', owner, `/organizations/${org.id}/applications`],
    ['applications', owner, `/organizations/${org.id}/applications/${appId}/secrets`],
    ['notifications', owner, '/me/notifications'],
    ['notifications', owner, `/organizations/${org.id}/audit-log`],
  ];

  it.each(['Infinity', '-Infinity', '1e400', '0', '101', '2.5', 'ten'])(
    'answers 400 on /limit for limit=%s',
    async (limit) => {
      for (const [service, caller, path] of lists()) {
        const reply = await call(caller, 'GET', `${path}?limit=${encodeURIComponent(limit)}`);
        expect({ service, path, status: reply.status, code: errorCode(reply) }).toEqual({
          service,
          path,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(reply.body.error.details.map((detail: { field: string }) => detail.field)).toContain('/limit');
      }
    },
  );
});

describe('validation details', () => {
  it('answers at most 100 details for a body with hundreds of errors', async () => {
    const body = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, 1]));
    const reply = await call(owner, 'POST', '/organizations', body);
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(reply.body.error.details).toHaveLength(100);
  });

  it('answers fields and messages of at most 300 characters for very long field names', async () => {
    const long = 'f'.repeat(2000);
    const reply = await call(owner, 'PATCH', `/organizations/${org.id}`, { [long]: 1, name: 'ok' });
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const details: { field: string; message: string }[] = reply.body.error.details;
    expect(details.length).toBeGreaterThan(0);
    for (const { field, message } of details) {
      expect(field.length).toBeLessThanOrEqual(300);
      expect(message.length).toBeLessThanOrEqual(300);
    }
    expect(details[0]!.field.startsWith('/fff')).toBe(true);
  });
});

describe('organization metadata keys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s with 400 and changes nothing', async (key) => {
    const reply = await call(owner, 'PATCH', `/organizations/${org.id}`, JSON.parse(`{"metadata":{"${key}":"x"}}`));
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const after = await call(owner, 'GET', `/organizations/${org.id}`);
    expect(Object.keys(after.body.metadata)).not.toContain(key);
  });

  it('stores and answers any other key of Object.prototype as plain data', async () => {
    const metadata = Object.fromEntries(
      Object.getOwnPropertyNames(Object.prototype)
        .filter((key) => /^[A-Za-z0-9_.-]+$/.test(key) && !['__proto__', 'constructor', 'prototype'].includes(key))
        .map((key) => [key, `v-${key}`]),
    );
    expect(Object.keys(metadata)).toEqual(expect.arrayContaining(['toString', 'hasOwnProperty', 'valueOf']));
    const reply = await call(owner, 'PATCH', `/organizations/${org.id}`, { metadata });
    expect(reply.status).toBe(200);
    expect(reply.body.metadata).toEqual(metadata);
    expect((await call(owner, 'GET', `/organizations/${org.id}`)).body.metadata).toEqual(metadata);
  });
});
