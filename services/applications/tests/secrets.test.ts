// Application secrets (contract §5): sealed under the organization's key with organization, application
// and name bound, plaintext to ADMIN+ only, ≤ 4 KiB and ≤ 50 per application; a ciphertext moved
// anywhere else does not open; after the organization's purge nothing can open them (crypto-shred).
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { organizationKeys } from '@tenantry/crypto';
import { documentClient, organizationKey, tables } from '@tenantry/dynamo';
import { invokeFunction } from '@tenantry/local-platform/testing';
import { secretKey } from '../src/data/keys';
import { secretBinding } from '../src/domain/rules';
import {
  applicationItems,
  appPath,
  type Cast,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  errorCode,
  organizationItem,
  type Reply,
} from './support';

const people = castOfThisFile();

const as = (who: keyof Cast) => ({ user: people[who] });
const put = (orgId: string, appId: string, name: string, value: string, who: keyof Cast = 'owner') =>
  call('PUT', appPath(orgId, appId, `/secrets/${name}`), as(who), { value });
const get = (orgId: string, appId: string, name: string, who: keyof Cast = 'owner') =>
  call('GET', appPath(orgId, appId, `/secrets/${name}`), as(who));

async function storedSecret(orgId: string, appId: string, name: string) {
  const key = secretKey(orgId, appId, name);
  return (await applicationItems(orgId)).find((item) => item.sk === key.sk);
}

describe('a secret', () => {
  it('is written, read back in plaintext, replaced, and listed by name and timestamps only', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);

    const created = await put(orgId, app.id, 'stripe', 'sk_live_first');
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ name: 'stripe', createdAt: expect.any(String), updatedAt: created.body.createdAt });
    expect((await get(orgId, app.id, 'stripe')).body).toEqual({ ...created.body, value: 'sk_live_first' });

    const replaced = await put(orgId, app.id, 'stripe', 'sk_live_second');
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
    expect(Date.parse(replaced.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
    expect((await get(orgId, app.id, 'stripe')).body.value).toBe('sk_live_second');

    await put(orgId, app.id, 'github.token', 'ghp_x');
    const list = await call('GET', appPath(orgId, app.id, '/secrets'), as('owner'));
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items.map((item: Record<string, unknown>) => Object.keys(item).sort())).toEqual([
      ['createdAt', 'name', 'updatedAt'],
      ['createdAt', 'name', 'updatedAt'],
    ]);
    expect(list.body.items.map((item: { name: string }) => item.name)).toEqual(['github.token', 'stripe']);
    expect(JSON.stringify(list.body)).not.toContain('ghp_x');
  });

  it('is stored sealed (tnt:v1 envelope), never in plaintext', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    await put(orgId, app.id, 'stripe', 'sk_live_plain_canary');
    const stored = await storedSecret(orgId, app.id, 'stripe');
    expect(stored?.sealed).toMatch(/^tnt:v1:/);
    expect(JSON.stringify(await applicationItems(orgId))).not.toContain('sk_live_plain_canary');
  });

  it('of a missing or deleted application is a 404, and its name must be a secret name', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    await put(orgId, app.id, 'stripe', 'v');
    expect((await call('DELETE', appPath(orgId, app.id), as('owner'))).status).toBe(204);
    expect((await get(orgId, app.id, 'stripe')).status).toBe(404);
    expect((await put(orgId, app.id, 'stripe', 'v')).status).toBe(404);
    expect((await call('GET', appPath(orgId, app.id, '/secrets'), as('owner'))).status).toBe(404);
    const other = (await createApplication(orgId, people.owner)).app;
    const badName = await put(orgId, other.id, '.hidden', 'v');
    expect([badName.status, errorCode(badName)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('limits', () => {
  it('accepts 4 KiB of UTF-8 and refuses one byte more with 400, storing nothing', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    expect((await put(orgId, app.id, 'max', 'a'.repeat(4096))).status).toBe(200);
    for (const [name, value] of [
      ['chars', 'a'.repeat(4097)],
      ['bytes', '€'.repeat(1366)], // 1366 characters, 4098 bytes
    ] as const) {
      const reply = await put(orgId, app.id, name, value);
      expect([name, reply.status, errorCode(reply)]).toEqual([name, 400, 'VALIDATION_FAILED']);
      expect(reply.body.error.details).toEqual([expect.objectContaining({ field: '/value' })]);
      expect(await storedSecret(orgId, app.id, name)).toBeUndefined();
    }
  });

  it('holds 50 per application: of 20 concurrent new names at 49 exactly one is admitted, replacing still works', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    for (let start = 0; start < 49; start += 7) {
      const batch = Array.from({ length: Math.min(7, 49 - start) }, (_, i) => put(orgId, app.id, `s${start + i}`, 'v'));
      expect((await Promise.all(batch)).map((reply) => reply.status)).toEqual(batch.map(() => 200));
    }
    const racers: Reply[] = await Promise.all(
      Array.from({ length: 20 }, (_, i) => put(orgId, app.id, `racer${i}`, 'v')),
    );
    expect(racers.filter((reply) => reply.status === 200)).toHaveLength(1);
    const refused = racers.filter((reply) => reply.status === 403);
    expect(refused).toHaveLength(19);
    for (const reply of refused) expect(errorCode(reply)).toBe('PLAN_LIMIT_REACHED');

    const list = await call('GET', appPath(orgId, app.id, '/secrets?limit=100'), as('owner'));
    expect(list.body.items).toHaveLength(50);
    const items = (await applicationItems(orgId)).filter((item) => item.entity === 'Secret');
    expect(items).toHaveLength(50);
    expect((await put(orgId, app.id, 's0', 'replaced')).status).toBe(200);
    expect((await put(orgId, app.id, 'one-more', 'v')).status).toBe(403);
  });
});

describe('a ciphertext moved to another item', () => {
  async function moveSealed(from: { orgId: string; appId: string; name: string }, to: typeof from) {
    const source = await storedSecret(from.orgId, from.appId, from.name);
    await documentClient().send(
      new UpdateCommand({
        TableName: tables.applications(),
        Key: secretKey(to.orgId, to.appId, to.name),
        UpdateExpression: 'SET sealed = :sealed',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':sealed': source?.sealed },
      }),
    );
  }

  it('does not open in another application, another organization or under another name', async () => {
    const orgA = await createOrganization(people.owner);
    const orgB = await createOrganization(people.admin);
    const app1 = (await createApplication(orgA, people.owner, 'One')).app;
    const app2 = (await createApplication(orgA, people.owner, 'Two')).app;
    const app3 = (await createApplication(orgB, people.admin, 'Three')).app;
    await put(orgA, app1.id, 'stripe', 'sk_live_tenant_a');
    await put(orgA, app1.id, 'other', 'unrelated');
    await put(orgA, app2.id, 'stripe', 'app two');
    await put(orgB, app3.id, 'stripe', 'org b', 'admin');
    const source = { orgId: orgA, appId: app1.id, name: 'stripe' };

    const targets = [
      { orgId: orgA, appId: app2.id, name: 'stripe', who: 'owner' as const },
      { orgId: orgB, appId: app3.id, name: 'stripe', who: 'admin' as const },
      { orgId: orgA, appId: app1.id, name: 'other', who: 'owner' as const },
    ];
    for (const target of targets) {
      await moveSealed(source, target);
      const reply = await get(target.orgId, target.appId, target.name, target.who);
      expect([reply.status, errorCode(reply)]).toEqual([500, 'INTERNAL']);
      expect(JSON.stringify(reply.body)).not.toContain('sk_live_tenant_a');
    }
    // The original still opens where it was written.
    expect((await get(orgA, app1.id, 'stripe')).body.value).toBe('sk_live_tenant_a');
  });
});

describe('after the organization is purged', () => {
  it('nothing can open its secrets any more: the only wrapped data key is gone (crypto-shredding)', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);
    await put(orgId, app.id, 'stripe', 'sk_live_shredded');
    const sealed = String((await storedSecret(orgId, app.id, 'stripe'))?.sealed);
    expect((await call('DELETE', `/organizations/${orgId}`, as('owner'))).status).toBe(200);
    // As if the 30 days of restore had passed.
    const past = new Date(Date.now() - 60_000).toISOString();
    await documentClient().send(
      new UpdateCommand({
        TableName: tables.organizations(),
        Key: organizationKey(orgId),
        UpdateExpression: 'SET purgeAfter = :at, gsi1sk = :position',
        ExpressionAttributeValues: { ':at': past, ':position': `DELETED#${past}#${orgId}` },
      }),
    );

    // The organizations service's daily purge (a schedule, no HTTP route), invoked as its schedule
    // would; another test's organization may fail to purge, ours is checked below.
    await invokeFunction('organizations', 'purgeOrganizations');

    expect(await organizationItem(orgId)).toBeUndefined();
    // The ciphertext is still stored (applications keep their items), and nothing holds a key for it.
    const items = await applicationItems(orgId);
    expect(items.some((item) => item.sealed === sealed)).toBe(true);
    expect(JSON.stringify(items)).not.toContain('encryptedDataKey');
    expect(JSON.stringify(items)).not.toContain('sk_live_shredded');
    const keys = organizationKeys();
    keys.forgetOrganization(orgId);
    const fresh = await keys.createOrganizationKey(orgId, 'STARTER');
    await expect(keys.openText(fresh, secretBinding(orgId, app.id, 'stripe'), sealed)).rejects.toThrow();
    expect((await get(orgId, app.id, 'stripe')).status).toBe(404);
  });
});
