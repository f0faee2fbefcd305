import { describe, expect, it } from '@jest/globals';
import { operations, validateRequest, validateSchema } from '../src/index';

describe('validateRequest on bodies', () => {
  it('accepts a valid body and returns a copy of it', () => {
    const input = { name: 'Acme', slug: 'acme' };
    const result = validateRequest('createOrganization', 'body', input);
    expect(result).toEqual({ ok: true, value: { name: 'Acme', slug: 'acme' } });
    if (result.ok) expect(result.value).not.toBe(input);
  });

  it('rejects an unknown property with a detail naming it', () => {
    const result = validateRequest('createOrganization', 'body', { name: 'Acme', organizationId: 'org_1' });
    expect(result).toEqual({
      ok: false,
      details: [{ field: '/organizationId', message: "unknown property 'organizationId'" }],
    });
  });

  it('refuses metadata keys that name the prototype machinery of JavaScript objects', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const result = validateRequest('updateOrganization', 'body', { metadata: JSON.parse(`{"${key}":"x"}`) });
      expect({ key, ok: result.ok }).toEqual({ key, ok: false });
      if (!result.ok) {
        expect(result.details).toContainEqual({
          field: `/metadata/${key}`,
          message: 'is not an allowed property name',
        });
      }
    }
    expect(validateRequest('updateOrganization', 'body', { metadata: { constructors: 'x', toString: 'y' } }).ok).toBe(
      true,
    );
  });

  it('rejects a name over 100 characters', () => {
    const result = validateRequest('createApplication', 'body', { name: 'x'.repeat(101) });
    expect(result).toEqual({ ok: false, details: [{ field: '/name', message: 'must be at most 100 characters' }] });
  });

  it('accepts a name of exactly 100 characters and a description of 1000', () => {
    const result = validateRequest('createApplication', 'body', {
      name: 'x'.repeat(100),
      description: 'd'.repeat(1000),
    });
    expect(result.ok).toBe(true);
  });

  it('rejects a description over 1000 characters', () => {
    const result = validateRequest('updateApplication', 'body', { description: 'd'.repeat(1001) });
    expect(result.ok).toBe(false);
  });

  it('rejects a bad email and an email over 254 characters', () => {
    for (const email of ['not-an-email', 'a@b', `${'a'.repeat(250)}@example.com`]) {
      const result = validateRequest('createInvitation', 'body', { email, role: 'MEMBER' });
      expect(result.ok ? [] : result.details.map((d) => d.field)).toContain('/email');
    }
  });

  it('rejects a value outside an enum, case included', () => {
    const result = validateRequest('changePlan', 'body', { plan: 'pro' });
    expect(result).toEqual({
      ok: false,
      details: [{ field: '/plan', message: 'must be one of: STARTER, PRO, ENTERPRISE' }],
    });
  });

  it('names a missing required property', () => {
    const result = validateRequest('changePlan', 'body', {});
    expect(result).toEqual({ ok: false, details: [{ field: '/plan', message: 'is required' }] });
  });

  it('does not coerce JSON types in bodies', () => {
    const result = validateRequest('promoteApiKey', 'body', { graceSeconds: '60' });
    expect(result).toEqual({ ok: false, details: [{ field: '/graceSeconds', message: 'must be integer' }] });
  });

  it('applies defaults to an optional body, absent or empty', () => {
    expect(validateRequest('promoteApiKey', 'body', undefined)).toEqual({ ok: true, value: { graceSeconds: 86400 } });
    expect(validateRequest('promoteApiKey', 'body', { graceSeconds: 0 })).toEqual({
      ok: true,
      value: { graceSeconds: 0 },
    });
    expect(validateRequest('promoteApiKey', 'body', { graceSeconds: 604801 }).ok).toBe(false);
  });

  it('rejects a missing body where one is required, and any property where none is expected', () => {
    expect(validateRequest('createOrganization', 'body', undefined)).toEqual({
      ok: false,
      details: [{ field: '/', message: 'must be object' }],
    });
    expect(validateRequest('suspendOrganization', 'body', null)).toEqual({ ok: true, value: {} });
    expect(validateRequest('suspendOrganization', 'body', { reason: 'x' }).ok).toBe(false);
  });

  it('rejects an empty PATCH and nested unknown properties', () => {
    expect(validateRequest('updateOrganization', 'body', {}).ok).toBe(false);
    const result = validateRequest('sendOrganizationNotification', 'body', {
      title: 'Hi',
      body: 'Hello',
      audience: { roles: ['ADMIN'], everyone: true },
    });
    expect(result).toEqual({
      ok: false,
      details: [{ field: '/audience/everyone', message: "unknown property 'everyone'" }],
    });
  });
});

describe('validateRequest on query strings and paths', () => {
  it('coerces limit from a string and defaults it to 20', () => {
    expect(validateRequest('listMembers', 'query', { limit: '50' })).toEqual({ ok: true, value: { limit: 50 } });
    expect(validateRequest('listMembers', 'query', null)).toEqual({ ok: true, value: { limit: 20 } });
  });

  it('bounds limit to an integer in 1..100', () => {
    for (const limit of ['0', '101', '2.5', 'ten']) {
      const result = validateRequest('listApplications', 'query', { limit });
      expect(result.ok ? [] : result.details.map((d) => d.field)).toEqual(['/limit']);
    }
  });

  it('refuses a limit that coerces to a number no bound catches, on every list', () => {
    const lists = Object.entries(operations).filter(([, operation]) =>
      (operation.queryParams as readonly string[]).includes('limit'),
    );
    expect(lists.length).toBeGreaterThan(5);
    for (const [operationId] of lists) {
      for (const limit of ['Infinity', '-Infinity', '1e400']) {
        const result = validateRequest(operationId as keyof typeof operations, 'query', { limit });
        expect({ operationId, limit, ok: result.ok }).toEqual({ operationId, limit, ok: false });
        if (!result.ok) expect(result.details.map((d) => d.field)).toContain('/limit');
      }
    }
  });

  it('bounds the cursor and rejects unknown query parameters', () => {
    expect(validateRequest('listMembers', 'query', { cursor: 'c'.repeat(2049) }).ok).toBe(false);
    expect(validateRequest('listMembers', 'query', { organizationId: 'org_1' })).toEqual({
      ok: false,
      details: [{ field: '/organizationId', message: "unknown property 'organizationId'" }],
    });
  });

  it('coerces booleans and checks enum filters', () => {
    expect(validateRequest('listMyNotifications', 'query', { unread: 'true' })).toEqual({
      ok: true,
      value: { unread: true, limit: 20 },
    });
    expect(validateRequest('listOrganizations', 'query', { status: 'GONE' }).ok).toBe(false);
  });

  it('checks path parameters against their id pattern', () => {
    expect(validateRequest('getApplication', 'path', { orgId: 'org_1', appId: 'app_1' }).ok).toBe(true);
    expect(validateRequest('getApplication', 'path', { orgId: '../x', appId: 'app_1' }).ok).toBe(false);
    expect(validateRequest('getServiceHealth', 'path', { service: 'billing' }).ok).toBe(false);
  });
});

describe('operations', () => {
  it('describes every route with its service, auth and success status', () => {
    expect(Object.keys(operations)).toHaveLength(50);
    expect(operations.createOrganization).toMatchObject({
      method: 'POST',
      path: '/organizations',
      service: 'organizations',
      auth: 'user',
      successStatus: 201,
      hasBody: true,
      idempotent: true,
    });
    expect(operations.getCallingApplication).toMatchObject({ auth: 'api-key', scope: 'applications:self' });
    expect(operations.getHealth.auth).toBe('none');
  });

  it('has a validator for each part of every operation', () => {
    for (const id of Object.keys(operations) as (keyof typeof operations)[]) {
      expect(() => validateRequest(id, 'query', {})).not.toThrow();
      expect(() => validateRequest(id, 'body', {})).not.toThrow();
    }
  });
});

describe('validateSchema', () => {
  it('never accepts a key hash in an application', () => {
    const keys = {
      current: { prefix: 'tnt_7Hq2', createdAt: '2025-01-15T09:30:00.000Z', lastUsedAt: null, hash: 'x' },
    };
    const result = validateSchema('ApiKeySlots', { ...keys, next: null, previous: null });
    expect(result).toEqual({ ok: false, details: [{ field: '/current/hash', message: "unknown property 'hash'" }] });
  });
});
