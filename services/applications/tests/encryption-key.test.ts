// PUT /organizations/{orgId}/encryption-key (contract §5) through the one base URL, with the local key
// provider: an ENTERPRISE organization moves its data key between the platform key, a dedicated key
// and its own key (BYOK), and the secrets it stored before stay readable each time.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  addMember,
  appPath,
  auditTypes,
  type Cast,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  errorCode,
  eventually,
  organizationItem,
} from './support';

const people = castOfThisFile();

const customerKey = () => `arn:aws:kms:eu-west-1:111122223333:key/${randomUUID()}`;
const setKey = (orgId: string, body: unknown, who: keyof Cast = 'owner') =>
  call('PUT', `/organizations/${orgId}/encryption-key`, { user: people[who] }, body);

async function enterpriseWithSecret() {
  const orgId = await createOrganization(people.owner, 'ENTERPRISE', people.platformOwner);
  const { app } = await createApplication(orgId, people.owner);
  const put = await call(
    'PUT',
    appPath(orgId, app.id, '/secrets/stripe'),
    { user: people.owner },
    { value: 'sk_before' },
  );
  expect(put.status).toBe(200);
  const readSecret = async () =>
    (await call('GET', appPath(orgId, app.id, '/secrets/stripe'), { user: people.owner })).body.value;
  return { orgId, appId: app.id, readSecret };
}

describe('an ENTERPRISE organization', () => {
  it('moves to a dedicated key, to its own key and back to the platform key; its secrets stay readable', async () => {
    const { orgId, appId, readSecret } = await enterpriseWithSecret();
    expect((await call('GET', `/organizations/${orgId}`, { user: people.owner })).body.encryption).toEqual({
      mode: 'platform',
    });

    const dedicated = await setKey(orgId, { mode: 'dedicated' });
    expect(dedicated.status).toBe(200);
    expect(dedicated.body.encryption).toEqual({ mode: 'dedicated', keyArn: `local/dedicated/${orgId}` });
    expect(await readSecret()).toBe('sk_before');

    const arn = customerKey();
    const byok = await setKey(orgId, { mode: 'byok', keyArn: arn });
    expect(byok.status).toBe(200);
    expect(byok.body.encryption).toEqual({ mode: 'byok', keyArn: arn });
    expect(await readSecret()).toBe('sk_before');
    const written = await call(
      'PUT',
      appPath(orgId, appId, '/secrets/later'),
      { user: people.owner },
      { value: 'sk_after' },
    );
    expect(written.status).toBe(200);
    expect((await organizationItem(orgId))?.dataKey).toMatchObject({ keyId: arn, mode: 'byok' });

    const platform = await setKey(orgId, { mode: 'platform' });
    expect(platform.status).toBe(200);
    expect(platform.body.encryption).toEqual({ mode: 'platform' });
    expect(await readSecret()).toBe('sk_before');
    expect((await call('GET', appPath(orgId, appId, '/secrets/later'), { user: people.owner })).body.value).toBe(
      'sk_after',
    );

    const read = await call('GET', `/organizations/${orgId}`, { user: people.owner });
    expect(JSON.stringify(read.body)).not.toMatch(/encryptedDataKey|dataKey/);
    await eventually(() => auditTypes(orgId), {
      until: (types) => types.includes('organization.key_changed'),
      // Other test files may hold the bus in an outage meanwhile: the relay then waits out its budget.
      timeoutMs: 60_000,
      description: 'the organization.key_changed audit entry',
    });
  }, 90_000);

  it('answers the same organization, changing nothing, when the key is already the one asked for', async () => {
    const { orgId } = await enterpriseWithSecret();
    const before = await organizationItem(orgId);
    const reply = await setKey(orgId, { mode: 'platform' });
    expect(reply.status).toBe(200);
    expect(await organizationItem(orgId)).toEqual(before);
  });

  it('refuses an unusable customer key with 400 and changes nothing', async () => {
    const { orgId, readSecret } = await enterpriseWithSecret();
    const before = await organizationItem(orgId);
    // The platform key is no customer key: the key provider refuses to wrap under it as BYOK.
    const platformKey = await setKey(orgId, { mode: 'byok', keyArn: 'local/platform' });
    expect([platformKey.status, errorCode(platformKey)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(platformKey.body.error.details).toEqual([expect.objectContaining({ field: '/keyArn' })]);
    for (const body of [
      { mode: 'byok' },
      { mode: 'dedicated', keyArn: customerKey() },
      { mode: 'platform', keyArn: customerKey() },
      { mode: 'byok', keyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/mine' },
      { mode: 'hsm' },
    ]) {
      const reply = await setKey(orgId, body);
      expect([JSON.stringify(body), reply.status, errorCode(reply)]).toEqual([
        JSON.stringify(body),
        400,
        'VALIDATION_FAILED',
      ]);
    }
    expect(await organizationItem(orgId)).toEqual(before);
    expect(await readSecret()).toBe('sk_before');
  });
});

describe('who may change the key', () => {
  it('only the OWNER and the platform OWNER, and only on ENTERPRISE (403 FORBIDDEN on other plans)', async () => {
    const { orgId } = await enterpriseWithSecret();
    await Promise.all([addMember(orgId, people.admin, 'ADMIN'), addMember(orgId, people.viewer, 'VIEWER')]);
    const before = await organizationItem(orgId);
    for (const [who, status] of [
      ['admin', 403],
      ['viewer', 403],
      ['employee', 403],
      ['outsider', 404],
    ] as const) {
      const reply = await setKey(orgId, { mode: 'dedicated' }, who);
      expect([who, reply.status]).toEqual([who, status]);
    }
    expect(await organizationItem(orgId)).toEqual(before);
    expect((await setKey(orgId, { mode: 'dedicated' }, 'platformOwner')).status).toBe(200);

    for (const plan of ['STARTER', 'PRO'] as const) {
      const other = await createOrganization(people.owner, plan, people.platformOwner);
      const reply = await setKey(other, { mode: 'byok', keyArn: customerKey() });
      expect([plan, reply.status, errorCode(reply)]).toEqual([plan, 403, 'FORBIDDEN']);
      expect((await organizationItem(other))?.dataKey).toMatchObject({ mode: 'platform' });
    }
  });
});
