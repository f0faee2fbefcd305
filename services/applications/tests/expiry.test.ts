// The expiry of an application's keys (contract §6): `expiresAt` on create and PATCH, capped at 366
// days and by the organization's maxKeyLifetimeDays; copied to the key items (every slot stops at
// it); and `api_key.expiring`, written once, 7 days before, by the scheduled notifyExpiringKeys. The
// schedule runs in-process on a compressed clock: the test says what "now" is, nothing sleeps.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiKeyKey, documentClient, tables } from '@tenantry/dynamo';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import { API_KEY_HEADER, apiKeyResolver, hashApiKey } from '@tenantry/security';
import { lambdaContext } from '@tenantry/security/testing';
import { dynamoApplicationRepository } from '../src/data/application-repository';
import { notifyExpiringKeys } from '../src/domain/applications';
import { handler as notifyHandler } from '../src/functions/notifyExpiringKeys/handler';
import {
  applicationItems,
  appPath,
  auditTypes,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  errorCode,
  eventually,
  keyItem,
  type Loose,
  organizationWithMembers,
} from './support';

const people = castOfThisFile();
const DAY = 86_400_000;
const daysFromNow = (days: number, from = Date.now()) => new Date(from + days * DAY).toISOString();
const repository = dynamoApplicationRepository(documentClient());
/** The scheduled function's use case with the clock the test sets. */
const runAt = (at: number) => notifyExpiringKeys({ applications: repository, now: () => new Date(at) });

beforeAll(() => {
  // What stage local gives this service's functions beyond the platform's shared variables.
  stubEnv('SERVICE_NAME', 'tenantry-applications');
  stubEnv('IDEMPOTENCY_TABLE', 'tenantry-applications-local-idempotency');
});
afterAll(() => {
  restoreEnv();
  // This file's one document client (the repository's, the resolver's and the handler's): its sockets close with it.
  documentClient().destroy();
});

const asOwner = (method: string, path: string, body?: unknown) => call(method, path, { user: people.owner }, body);
const applicationItem = async (orgId: string, appId: string) =>
  (await applicationItems(orgId)).find((item) => item.sk === `APP#${appId}`);

describe('expiresAt on create and PATCH', () => {
  it('is shown on the application and stored on it and on its key item', async () => {
    const orgId = await createOrganization(people.owner);
    const expiresAt = daysFromNow(30);
    const { app, apiKey } = await createApplication(orgId, people.owner, 'Billing sync', { expiresAt });
    expect(app.expiresAt).toBe(expiresAt);
    expect((await keyItem(apiKey))?.expiresAt).toBe(expiresAt);
    expect((await call('GET', '/applications/me', { apiKey })).status).toBe(200);
  });

  it('moves every key of the application on PATCH, the next key included, and null removes it', async () => {
    const orgId = await createOrganization(people.owner);
    const { app, apiKey } = await createApplication(orgId, people.owner, 'Billing sync', {
      expiresAt: daysFromNow(30),
    });
    const rotated = await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    expect(rotated.status).toBe(200);
    const next = rotated.body.apiKeyNext as string;
    expect((await keyItem(next))?.expiresAt).toBe(app.expiresAt);

    const later = daysFromNow(60);
    const patched = await asOwner('PATCH', appPath(orgId, app.id), { expiresAt: later });
    expect(patched).toMatchObject({ status: 200, body: { expiresAt: later } });
    expect([(await keyItem(apiKey))?.expiresAt, (await keyItem(next))?.expiresAt]).toEqual([later, later]);

    const cleared = await asOwner('PATCH', appPath(orgId, app.id), { expiresAt: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.expiresAt).toBeUndefined();
    expect([(await keyItem(apiKey))?.expiresAt, (await keyItem(next))?.expiresAt]).toEqual([undefined, undefined]);
    expect((await applicationItem(orgId, app.id))?.expiryDay).toBeUndefined();
  });

  it('a promoted key keeps the application expiry; the old one stops at the earlier of its grace and it', async () => {
    const orgId = await createOrganization(people.owner);
    const expiresAt = daysFromNow(30);
    const { app, apiKey } = await createApplication(orgId, people.owner, 'Billing sync', { expiresAt });
    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const promoted = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 3600 });
    expect(promoted.status).toBe(200);
    expect((await keyItem(next))?.expiresAt).toBe(expiresAt);
    expect((await keyItem(apiKey))?.expiresAt).toBe(promoted.body.keys.previous.expiresAt);
  });

  it('refuses a past, a present or a too distant expiry with 400 and changes nothing', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    const before = await applicationItem(orgId, app.id);
    for (const expiresAt of [daysFromNow(-1), daysFromNow(367), 'tomorrow']) {
      const created = await asOwner('POST', `/organizations/${orgId}/applications`, { name: 'Late', expiresAt });
      const patched = await asOwner('PATCH', appPath(orgId, app.id), { expiresAt });
      for (const reply of [created, patched]) {
        expect({ expiresAt, status: reply.status, code: errorCode(reply) }).toEqual({
          expiresAt,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(reply.body.error.details?.[0]?.field).toBe('/expiresAt');
      }
    }
    expect(await applicationItem(orgId, app.id)).toEqual(before);
    expect((await applicationItems(orgId)).filter((item) => item.entity === 'Application')).toHaveLength(1);
  });

  it("is capped by the organization's maxKeyLifetimeDays, which is also the default, and null lifts the cap", async () => {
    const orgId = await organizationWithMembers(people);
    const capped = await asOwner('PATCH', `/organizations/${orgId}`, { maxKeyLifetimeDays: 30 });
    expect(capped).toMatchObject({ status: 200, body: { maxKeyLifetimeDays: 30 } });
    for (const bad of [0, 367, 1.5]) {
      const reply = await asOwner('PATCH', `/organizations/${orgId}`, { maxKeyLifetimeDays: bad });
      expect({ bad, status: reply.status, code: errorCode(reply) }).toEqual({
        bad,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }

    const before = Date.now();
    const { app } = await createApplication(orgId, people.owner);
    const defaulted = Date.parse(app.expiresAt);
    expect(defaulted).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(defaulted).toBeLessThanOrEqual(Date.now() + 30 * DAY);

    const tooLong = await asOwner('POST', `/organizations/${orgId}/applications`, {
      name: 'Too long',
      expiresAt: daysFromNow(31),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toEqual([{ field: '/expiresAt', message: expect.stringContaining('30 days') }]);
    const noExpiry = await asOwner('PATCH', appPath(orgId, app.id), { expiresAt: null });
    expect(noExpiry.status).toBe(400);

    const lifted = await asOwner('PATCH', `/organizations/${orgId}`, { maxKeyLifetimeDays: null });
    expect(lifted.status).toBe(200);
    expect(lifted.body.maxKeyLifetimeDays).toBeUndefined();
    const { app: free } = await createApplication(orgId, people.owner, 'Free');
    expect(free.expiresAt).toBeUndefined();
  });

  it('is a setting only an ADMIN or the OWNER changes', async () => {
    const orgId = await organizationWithMembers(people);
    const reply = await call('PATCH', `/organizations/${orgId}`, { user: people.member }, { maxKeyLifetimeDays: 7 });
    expect(reply.status).toBe(403);
  });
});

describe('a key past expiresAt', () => {
  it('does not resolve from the instant of its expiry (the resolver on a compressed clock)', async () => {
    const orgId = await createOrganization(people.owner);
    const expiresAt = daysFromNow(2);
    const { apiKey } = await createApplication(orgId, people.owner, 'Billing sync', { expiresAt });
    const at = (instant: number) =>
      apiKeyResolver({ now: () => instant, recordUse: async () => undefined }).resolve({ [API_KEY_HEADER]: apiKey });
    expect((await at(Date.parse(expiresAt) - 1))?.organizationId).toBe(orgId);
    expect(await at(Date.parse(expiresAt))).toBeUndefined();
  });

  it('answers 401 UNAUTHENTICATED over HTTP', async () => {
    const orgId = await createOrganization(people.owner);
    const { apiKey } = await createApplication(orgId, people.owner, 'Billing sync', { expiresAt: daysFromNow(2) });
    expect((await call('GET', '/applications/me', { apiKey })).status).toBe(200);
    // Time passes: the key item's expiry is now a second ago.
    await documentClient().send(
      new UpdateCommand({
        TableName: tables.applications(),
        Key: apiKeyKey(hashApiKey(apiKey)),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    const reply = await call('GET', '/applications/me', { apiKey });
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('api_key.expiring', () => {
  it('is written once, 7 days before, and its ADMINs are notified', async () => {
    const orgId = await organizationWithMembers(people);
    const start = Date.now();
    const expiresAt = daysFromNow(10, start);
    const { app } = await createApplication(orgId, people.owner, 'Expiring sync', { expiresAt });

    // Day 2: 8 days left, not yet. Day 3.5: 6.5 days left, noticed. Day 4: not again.
    expect((await runAt(start + 2 * DAY)).notified).not.toContain(app.id);
    expect((await runAt(start + 3.5 * DAY)).notified).toContain(app.id);
    expect((await runAt(start + 4 * DAY)).notified).not.toContain(app.id);
    expect((await applicationItem(orgId, app.id))?.expiringNotifiedAt).toBe(new Date(start + 3.5 * DAY).toISOString());

    const notice = await eventually(
      async () => {
        const inbox = await call('GET', '/me/notifications', { user: people.admin });
        return (inbox.body?.items as Loose[] | undefined)?.find(
          (item) => item.type === 'api_key.expiring' && item.organizationId === orgId,
        );
      },
      { timeoutMs: 60_000, description: "the ADMIN's api_key.expiring notification" },
    );
    expect(notice.body).toContain('Expiring sync');
    expect(notice.body).toContain(expiresAt);
    const types = await eventually(
      async () => {
        const found = await auditTypes(orgId);
        return found.includes('api_key.expiring') ? found : undefined;
      },
      { timeoutMs: 60_000, description: 'api_key.expiring in the audit log' },
    );
    expect(types.filter((type) => type === 'api_key.expiring')).toHaveLength(1);
    const memberInbox = await call('GET', '/me/notifications', { user: people.member });
    expect((memberInbox.body.items as Loose[]).filter((item) => item.organizationId === orgId)).toEqual([]);
  });

  it('is written again for a new expiry set by PATCH, and never for an application deleted', async () => {
    const orgId = await createOrganization(people.owner);
    const start = Date.now();
    const { app } = await createApplication(orgId, people.owner, 'Renewed', { expiresAt: daysFromNow(5, start) });
    const { app: gone } = await createApplication(orgId, people.owner, 'Gone', { expiresAt: daysFromNow(5, start) });
    expect((await asOwner('DELETE', appPath(orgId, gone.id))).status).toBe(204);
    const first = await runAt(start);
    expect(first.notified).toContain(app.id);
    expect(first.notified).not.toContain(gone.id);

    expect((await asOwner('PATCH', appPath(orgId, app.id), { expiresAt: daysFromNow(20, start) })).status).toBe(200);
    expect((await runAt(start + 12 * DAY)).notified).not.toContain(app.id);
    expect((await runAt(start + 14 * DAY)).notified).toContain(app.id);
  });

  it('is what the scheduled handler writes, on the real clock', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner, 'Soon', { expiresAt: daysFromNow(3) });
    const result = await notifyHandler({}, lambdaContext());
    expect(result.notified).toContain(app.id);
    expect(result.failed).toEqual([]);
  });
});
