// API keys (contract §5, §6): shown once, stored as a hash, the slots current/next/previous, and API-key
// principals: every key that must not verify answers the same 401.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { apiKeyKey, applicationKey, documentClient, organizationKey, tables } from '@tenantry/dynamo';
import { API_KEY_PREFIX, hashApiKey, isApiKeyFormat } from '@tenantry/security';
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
  type Reply,
  unauthenticated,
  usage,
} from './support';

const people = castOfThisFile();

const me = (apiKey: string): Promise<Reply> => call('GET', '/applications/me', { apiKey });
const asOwner = (method: string, path: string, body?: unknown) => call(method, path, { user: people.owner }, body);

/** An organization of the OWNER with one application and its current key. */
async function arranged() {
  const orgId = await createOrganization(people.owner);
  const { app, apiKey } = await createApplication(orgId, people.owner);
  return { orgId, app, apiKey };
}

/** The 401 of a key that verifies nothing: the reference every refusal below must equal. */
let reference: ReturnType<typeof unauthenticated>;
beforeAll(async () => {
  reference = unauthenticated(await me(`tnt_live_${'A'.repeat(54)}`));
  expect(reference).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: expect.any(String) });
});

describe('creating an application', () => {
  it('answers the key once, in plaintext; afterwards only its prefix and timestamps are shown', async () => {
    const { orgId, app, apiKey } = await arranged();
    expect(apiKey).toMatch(/^tnt_live_[0-9A-Za-z]{56}$/);
    expect(isApiKeyFormat(apiKey)).toBe(true);
    expect(app).toMatchObject({
      organizationId: orgId,
      name: 'Billing sync',
      scopes: ['applications:self'],
      keys: { current: { prefix: apiKey.slice(0, 16), lastUsedAt: null }, next: null, previous: null },
    });
    const read = await asOwner('GET', appPath(orgId, app.id));
    const list = await asOwner('GET', `/organizations/${orgId}/applications`);
    for (const body of [read.body, list.body]) {
      expect(JSON.stringify(body)).not.toContain(apiKey);
      expect(JSON.stringify(body)).not.toContain(hashApiKey(apiKey));
    }
    expect(list.body).toEqual({ items: [read.body], nextCursor: null });
  });

  it('stores only the SHA-256 of the key, nowhere the key', async () => {
    const { orgId, apiKey } = await arranged();
    const stored = JSON.stringify([...(await applicationItems(orgId)), await keyItem(apiKey)]);
    expect(stored).not.toContain(apiKey);
    expect(await keyItem(apiKey)).toMatchObject({
      keyHash: hashApiKey(apiKey),
      slot: 'current',
      organizationId: orgId,
    });
  });

  it('replays an Idempotency-Key with the same key, once created, and keeps the key sealed in the idempotency table', async () => {
    const orgId = await createOrganization(people.owner);
    const headers = { 'idempotency-key': `create-${orgId}` };
    const first = await call(
      'POST',
      `/organizations/${orgId}/applications`,
      { user: people.owner, headers },
      { name: 'Once' },
    );
    const again = await call(
      'POST',
      `/organizations/${orgId}/applications`,
      { user: people.owner, headers },
      { name: 'Once' },
    );
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    expect((await usage(orgId))?.applications).toBe(1);
    // The replay record (a test-only scan: request paths never scan; the guard is on the shared client).
    const raw = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
    const { Items } = await raw.send(new ScanCommand({ TableName: 'tenantry-applications-local-idempotency' }));
    const records = JSON.stringify(Items ?? []);
    expect(records).toContain(first.body.application.id);
    expect(records).not.toContain(first.body.apiKey);
  });
});

/** The application's item as stored (strongly consistent). */
async function storedApplication(orgId: string, appId: string) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tables.applications(), Key: applicationKey(orgId, appId), ConsistentRead: true }),
  );
  return Item as { version: number; lastUsed: Record<string, string> };
}

describe('GET /applications/me', () => {
  it('answers the calling application, its organization and the slot that matched', async () => {
    const { orgId, app, apiKey } = await arranged();
    const reply = await me(apiKey);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      application: { id: app.id, organizationId: orgId, name: app.name },
      organization: { id: orgId, status: 'ACTIVE', name: expect.any(String) },
      keySlot: 'current',
    });
    expect(JSON.stringify(reply.body)).not.toContain(apiKey);
  });

  it('has recorded lastUsedAt of the slot when the answer arrives', async () => {
    const { orgId, app, apiKey } = await arranged();
    const before = Date.now();
    expect((await me(apiKey)).status).toBe(200);
    const lastUsedAt = (await asOwner('GET', appPath(orgId, app.id))).body.keys.current.lastUsedAt;
    expect(Date.parse(lastUsedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("keeps lastUsedAt on the application's own item, by key hash, without bumping its version", async () => {
    const { orgId, app, apiKey } = await arranged();
    const stored = () => storedApplication(orgId, app.id);
    const versionBefore = (await stored()).version;

    expect((await me(apiKey)).status).toBe(200);
    const lastUsed = await stored();

    expect(Object.keys(lastUsed.lastUsed)).toEqual([hashApiKey(apiKey)]);
    expect(lastUsed.version).toBe(versionBefore);
    const read = await asOwner('GET', appPath(orgId, app.id));
    expect(read.body.keys.current.lastUsedAt).toBe(lastUsed.lastUsed[hashApiKey(apiKey)]);
  });
});

describe('rotation', () => {
  it("forgets a revoked key's lastUsed entry on the application item", async () => {
    const { orgId, app, apiKey } = await arranged();
    const lastUsedOf = async () => (await storedApplication(orgId, app.id)).lastUsed;
    expect((await me(apiKey)).status).toBe(200);
    expect(Object.keys(await lastUsedOf())).toEqual([hashApiKey(apiKey)]);

    expect((await asOwner('POST', appPath(orgId, app.id, '/api-keys/revoke'))).status).toBe(200);

    expect(await lastUsedOf()).toEqual({});
  });

  it('rotate issues a next key; both verify, each reporting its slot; a second rotate is a 409', async () => {
    const { orgId, app, apiKey } = await arranged();
    const rotated = await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    expect(rotated.status).toBe(200);
    const next = rotated.body.apiKeyNext as string;
    expect(next).toMatch(/^tnt_live_/);
    expect(next).not.toBe(apiKey);
    expect(rotated.body.application.keys).toMatchObject({
      current: { prefix: apiKey.slice(0, 16) },
      next: { prefix: next.slice(0, 16), lastUsedAt: null },
      previous: null,
    });
    expect((await me(apiKey)).body.keySlot).toBe('current');
    expect((await me(next)).body.keySlot).toBe('next');
    const again = await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    expect([again.status, errorCode(again)]).toEqual([409, 'CONFLICT']);
    expect((await me(next)).status).toBe(200);
  });

  it('promote makes next current and keeps the old key verifying as previous during its grace', async () => {
    const { orgId, app, apiKey } = await arranged();
    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const before = Date.now();
    const promoted = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 3600 });
    const after = Date.now();
    expect(promoted.status).toBe(200);
    expect(promoted.body.keys).toMatchObject({
      current: { prefix: next.slice(0, 16) },
      next: null,
      previous: { prefix: apiKey.slice(0, 16), expiresAt: expect.any(String) },
    });
    // The grace runs from the moment the server promoted, somewhere between `before` and `after`.
    const expiresAt = Date.parse(promoted.body.keys.previous.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(3_600_000);
    expect(expiresAt - after).toBeLessThanOrEqual(3_600_000);
    expect((await me(next)).body.keySlot).toBe('current');
    expect((await me(apiKey)).body.keySlot).toBe('previous');
  });

  it('promote takes a default grace of one day and refuses one beyond seven days', async () => {
    const { orgId, app } = await arranged();
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    const tooLong = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 604_801 });
    expect([tooLong.status, errorCode(tooLong)]).toEqual([400, 'VALIDATION_FAILED']);
    const before = Date.now();
    const promoted = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'));
    const after = Date.now();
    expect(promoted.status).toBe(200);
    const expiresAt = Date.parse(promoted.body.keys.previous.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(86_400_000);
    expect(expiresAt - after).toBeLessThanOrEqual(86_400_000);
  });

  it('promote without a pending next key is a 409 and changes nothing', async () => {
    const { orgId, app, apiKey } = await arranged();
    const reply = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 0 });
    expect([reply.status, errorCode(reply)]).toEqual([409, 'CONFLICT']);
    expect((await me(apiKey)).body.keySlot).toBe('current');
  });

  it('a previous key past its grace never verifies, whether or not TTL has removed its item', async () => {
    const { orgId, app, apiKey } = await arranged();
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 3600 });
    expect((await me(apiKey)).status).toBe(200);
    // As if the hour had passed: the item is still there (TTL is lazy), its expiresAt is not.
    await documentClient().send(
      new UpdateCommand({
        TableName: tables.applications(),
        Key: apiKeyKey(hashApiKey(apiKey)),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    expect(await keyItem(apiKey)).toBeDefined();
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
  });

  it('promote with a grace of 0 stops the old key at once', async () => {
    const { orgId, app, apiKey } = await arranged();
    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const promoted = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 0 });
    expect(promoted.body.keys.previous).toBeNull();
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
    expect((await me(next)).status).toBe(200);
  });

  it('withdraw stops the pending next key at once, and current keeps working', async () => {
    const { orgId, app, apiKey } = await arranged();
    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const withdrawn = await asOwner('DELETE', appPath(orgId, app.id, '/api-keys/next'));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.keys.next).toBeNull();
    expect(unauthenticated(await me(next))).toEqual(reference);
    expect((await me(apiKey)).status).toBe(200);
    const again = await asOwner('DELETE', appPath(orgId, app.id, '/api-keys/next'));
    expect([again.status, errorCode(again)]).toEqual([409, 'CONFLICT']);
  });

  it('revoke stops the current key at once; a new key can then be rotated in and promoted', async () => {
    const { orgId, app, apiKey } = await arranged();
    const revoked = await asOwner('POST', appPath(orgId, app.id, '/api-keys/revoke'));
    expect(revoked.status).toBe(200);
    expect(revoked.body.keys.current).toBeNull();
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
    const again = await asOwner('POST', appPath(orgId, app.id, '/api-keys/revoke'));
    expect([again.status, errorCode(again)]).toEqual([409, 'CONFLICT']);

    const next = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    const promoted = await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 60 });
    expect(promoted.body.keys).toMatchObject({ current: { prefix: next.slice(0, 16) }, previous: null });
    expect((await me(next)).body.keySlot).toBe('current');
  });

  it('publishes api_key.rotated, promoted, withdrawn and revoked and application.created to the audit log', async () => {
    const { orgId, app } = await arranged();
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 60 });
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'));
    await asOwner('DELETE', appPath(orgId, app.id, '/api-keys/next'));
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/revoke'));
    const wanted = [
      'application.created',
      'api_key.rotated',
      'api_key.promoted',
      'api_key.withdrawn',
      'api_key.revoked',
    ];
    await eventually(
      async () => {
        const types = await auditTypes(orgId);
        return wanted.every((type) => types.includes(type)) ? true : undefined;
      },
      { timeoutMs: 15_000, description: `the audit entries ${wanted.join(', ')}` },
    );
  });
});

describe('deleting an application', () => {
  it('stops every key at once (current, next and previous), answers 404 after, and frees its plan slot', async () => {
    const { orgId, app, apiKey: first } = await arranged();
    const second = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    await asOwner('POST', appPath(orgId, app.id, '/api-keys/promote'), { graceSeconds: 3600 });
    const third = (await asOwner('POST', appPath(orgId, app.id, '/api-keys/rotate'))).body.apiKeyNext as string;
    for (const key of [first, second, third]) expect((await me(key)).status).toBe(200);
    expect((await usage(orgId))?.applications).toBe(1);

    const deleted = await asOwner('DELETE', appPath(orgId, app.id));

    expect(deleted.status).toBe(204);
    for (const key of [first, second, third]) {
      expect(unauthenticated(await me(key))).toEqual(reference);
      expect(await keyItem(key)).toBeUndefined();
    }
    expect((await asOwner('GET', appPath(orgId, app.id))).status).toBe(404);
    expect((await asOwner('DELETE', appPath(orgId, app.id))).status).toBe(404);
    expect((await usage(orgId))?.applications).toBe(0);
    const tombstone = (await applicationItems(orgId)).find((item) => item.entity === 'DeletedApplication');
    expect(tombstone).toMatchObject({ id: app.id, deletedAt: expect.any(String) });
    await eventually(() => auditTypes(orgId), {
      until: (types) => types.includes('application.deleted'),
      timeoutMs: 15_000,
      description: 'the application.deleted audit entry',
    });
  });
});

describe('keys of organizations that are not ACTIVE', () => {
  it('answer the same 401 while SUSPENDED, and verify again after reactivation', async () => {
    const { orgId, apiKey } = await arranged();
    expect((await call('POST', `/organizations/${orgId}/suspend`, { user: people.employee })).status).toBe(200);
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
    expect((await call('POST', `/organizations/${orgId}/reactivate`, { user: people.employee })).status).toBe(200);
    expect((await me(apiKey)).status).toBe(200);
  });

  it('answer the same 401 once the organization is DELETED, and once it is gone altogether', async () => {
    const { orgId, apiKey } = await arranged();
    expect((await call('DELETE', `/organizations/${orgId}`, { user: people.owner })).status).toBe(200);
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
    // What a purge leaves: the key item of the applications table, no organization item.
    await documentClient().send(new DeleteCommand({ TableName: tables.organizations(), Key: organizationKey(orgId) }));
    expect(await keyItem(apiKey)).toBeDefined();
    expect(unauthenticated(await me(apiKey))).toEqual(reference);
  });
});

describe('the same 401 for every key that does not verify', () => {
  it('unknown, malformed, empty, or a hash instead of the key', async () => {
    const { apiKey } = await arranged();
    const replies: Loose[] = [];
    for (const key of [
      `tnt_live_${'B'.repeat(54)}`,
      'not-a-key',
      `${apiKey}x`,
      apiKey.slice(0, -1),
      hashApiKey(apiKey),
      apiKey.replace('tnt_live_', 'tnt_test_'),
    ]) {
      replies.push(unauthenticated(await me(key)));
    }
    for (const reply of replies) expect(reply).toEqual(reference);
  });

  it('a key with one character mistyped: its checksum fails, 401 UNAUTHENTICATED', async () => {
    const { apiKey } = await arranged();
    const at = API_KEY_PREFIX.length + 5;
    const typo = `${apiKey.slice(0, at)}${apiKey[at] === 'Q' ? 'R' : 'Q'}${apiKey.slice(at + 1)}`;
    expect(isApiKeyFormat(typo)).toBe(false);
    expect(unauthenticated(await me(typo))).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
    });
    expect((await me(apiKey)).status).toBe(200);
  });
});
