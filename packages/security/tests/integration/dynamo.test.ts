import { createHash, randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { documentClient, isConditionFailure, membershipKey, organizationKey } from '@tenantry/dynamo';
import { eventually } from '@tenantry/local-platform/testing';
import {
  configureSecurity,
  dynamoOrganizationStore,
  logger,
  resetSecurityConfig,
  route,
  tenantPut,
  tenantTransactWrite,
  tenantUpdate,
} from '../../src/index';
import { call } from '../../src/testing';
import { fakeModels, fakeToken, fakeVerifier, membership, organization, userResolverFor } from '../support/fakes';
import { type LocalPlatform, localDynamoClient, localPlatform } from '../support/platform';

let platform: LocalPlatform;
let db: DynamoDBDocumentClient;
const orgA = `a${randomUUID().slice(0, 8)}`;
const orgB = `b${randomUUID().slice(0, 8)}`;
const orgC = `c${randomUUID().slice(0, 8)}`;

async function seed(): Promise<void> {
  const organizations = process.env.ORGANIZATIONS_TABLE!;
  const memberships = process.env.MEMBERSHIPS_TABLE!;
  for (const [id, members] of [
    [orgA, [membership(orgA, 'alice', 'ADMIN'), membership(orgA, 'bob', 'MEMBER')]],
    [orgB, [membership(orgB, 'carol', 'OWNER')]],
    [orgC, [membership(orgC, 'alice', 'ADMIN')]],
  ] as const) {
    await db.send(new PutCommand({ TableName: organizations, Item: { ...organizationKey(id), ...organization(id) } }));
    for (const member of members) {
      await db.send(
        new PutCommand({ TableName: memberships, Item: { ...membershipKey(id, member.userId), ...member } }),
      );
    }
  }
}

beforeAll(async () => {
  platform = await localPlatform();
  db = DynamoDBDocumentClient.from(localDynamoClient());
  await seed();
  logger.setLogLevel('SILENT');
}, 120_000);

afterAll(async () => {
  db?.destroy();
  await platform?.stop();
}, 60_000);

describe('layer 2 against DynamoDB Local', () => {
  it('reads the organization and the membership in ONE BatchGetItem', async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient());
    const sent = jest.spyOn(client, 'send');
    const loaded = await dynamoOrganizationStore(client).load(orgA, 'alice');
    expect(loaded.organization).toMatchObject({ id: orgA, status: 'ACTIVE' });
    expect(loaded.membership).toMatchObject({ userId: 'alice', role: 'ADMIN' });
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent.mock.calls[0]?.[0].constructor.name).toBe('BatchGetCommand');
    client.destroy();
  });

  it('finds no membership for a user of another organization', async () => {
    const loaded = await dynamoOrganizationStore(db).load(orgB, 'alice');
    expect(loaded.organization).toMatchObject({ id: orgB });
    expect(loaded.membership).toBeUndefined();
  });

  it('finds nothing for a missing organization', async () => {
    expect(await dynamoOrganizationStore(db).load('missing', 'alice')).toEqual({
      organization: undefined,
      membership: undefined,
    });
  });

  it("reads a route's prefetched items in the same BatchGetItem, in its order, undefined where none is stored", async () => {
    const table = process.env.ORGANIZATIONS_TABLE!;
    const thing = { pk: `ORG#${orgA}`, sk: `THING#${randomUUID()}` };
    await db.send(new PutCommand({ TableName: table, Item: { ...thing, organizationId: orgA, v: 7 } }));
    const client = DynamoDBDocumentClient.from(localDynamoClient());
    const sent = jest.spyOn(client, 'send');

    const loaded = await dynamoOrganizationStore(client).load(orgA, 'alice', [
      { table, key: { pk: `ORG#${orgA}`, sk: 'THING#none' } },
      { table, key: thing },
      { table, key: organizationKey(orgA) },
    ]);

    expect(sent).toHaveBeenCalledTimes(1);
    expect(loaded.membership).toMatchObject({ userId: 'alice' });
    expect(loaded.prefetched).toEqual([undefined, expect.objectContaining({ v: 7 }), loaded.organization]);
    client.destroy();
  });

  it("refuses, before any read, a prefetch outside the organization's partition", async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient());
    const sent = jest.spyOn(client, 'send');
    const table = process.env.ORGANIZATIONS_TABLE!;

    await expect(
      dynamoOrganizationStore(client).load(orgA, 'alice', [{ table, key: organizationKey(orgB) }]),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(sent).not.toHaveBeenCalled();
    client.destroy();
  });
});

describe('a route with a prefetch, against DynamoDB Local', () => {
  const table = () => process.env.ORGANIZATIONS_TABLE!;
  const thingKey = (orgId: string, thingId: string) => ({ pk: `ORG#${orgId}`, sk: `THING#${thingId}` });
  const thingId = randomUUID();
  let ran = 0;
  const getThing = route(
    {
      operation: 'getThing',
      action: 'applications:read',
      prefetch: (orgId, params) => [{ table: table(), key: thingKey(orgId, params.thingId!) }],
    },
    async ({ prefetched: [thing] }) => {
      ran++;
      return { body: { v: thing?.v ?? null } };
    },
  );
  const get = (user: string, orgId: string) =>
    call<{ v?: number; error?: { code: string } }>(getThing, {
      token: fakeToken(user),
      pathParameters: { orgId, thingId },
    });

  beforeAll(async () => {
    await db.send(
      new PutCommand({ TableName: table(), Item: { ...thingKey(orgA, thingId), organizationId: orgA, v: 1 } }),
    );
    await db.send(
      new PutCommand({ TableName: table(), Item: { ...thingKey(orgB, thingId), organizationId: orgB, v: 2 } }),
    );
  });

  beforeEach(() => {
    resetSecurityConfig();
    configureSecurity({
      models: fakeModels({ getThing: { method: 'GET', path: '/organizations/{orgId}/things/{thingId}' } }),
      resolvers: { user: userResolverFor(fakeVerifier({ alice: {}, bob: {}, carol: {} })) },
    });
    ran = 0;
  });

  it('gives a member the item of the organization the path names, and a stranger the 404 of nothing', async () => {
    expect(await get('alice', orgA)).toMatchObject({ statusCode: 200, body: { v: 1 } });
    expect(await get('carol', orgB)).toMatchObject({ statusCode: 200, body: { v: 2 } });
    expect(ran).toBe(2);

    const stranger = await get('carol', orgA);
    expect(stranger).toMatchObject({ statusCode: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(ran).toBe(2);
  });

  it('refuses a prefetch on a route whose action reads no organization, when the route is made', () => {
    expect(() =>
      route({ operation: 'getThing', action: 'me:read', prefetch: () => [] }, async () => ({ body: {} })),
    ).toThrow(/prefetch/);
  });
});

describe('tenant pinning against DynamoDB Local', () => {
  const table = () => process.env.ORGANIZATIONS_TABLE!;

  it('combines the put pin with a condition of the caller into an expression DynamoDB accepts', async () => {
    const key = { pk: `ORG#${orgA}`, sk: `THING#${randomUUID()}` };
    const put = tenantPut(
      { organizationId: orgA },
      { TableName: table(), Item: { ...key, v: 1 }, ConditionExpression: 'attribute_not_exists(pk)' },
    );

    await db.send(new PutCommand(put));

    await expect(db.send(new PutCommand(put))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('refuses to overwrite, update or delete another tenant item', async () => {
    const key = { pk: `ORG#${orgB}`, sk: `THING#${randomUUID()}` };
    await db.send(new PutCommand(tenantPut({ organizationId: orgB }, { TableName: table(), Item: { ...key, v: 1 } })));
    await expect(
      db.send(new PutCommand(tenantPut({ organizationId: orgA }, { TableName: table(), Item: { ...key, v: 2 } }))),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(
      db.send(
        new UpdateCommand(
          tenantUpdate(
            { organizationId: orgA },
            {
              TableName: table(),
              Key: key,
              UpdateExpression: 'SET v = :v',
              ExpressionAttributeValues: { ':v': 3 },
            },
          ),
        ),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(
      db.send(
        new TransactWriteCommand(
          tenantTransactWrite(
            { organizationId: orgA },
            { TransactItems: [{ Delete: { TableName: table(), Key: key } }] },
          ),
        ),
      ),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    await db.send(
      new UpdateCommand(
        tenantUpdate(
          { organizationId: orgB },
          { TableName: table(), Key: key, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 4 } },
        ),
      ),
    );
  });
});

describe('Idempotency-Key against DynamoDB Local', () => {
  let effects = 0;
  let failNext = false;
  /** While set, the business function waits for it: a first call still running. */
  let gate: Promise<void> | undefined;
  /** While set, the business function runs it before its effect (what happens meanwhile elsewhere). */
  let meanwhile: (() => Promise<void>) | undefined;
  /** Calls that reached the business function: the idempotency layer had claimed their key. */
  let started = 0;
  const models = fakeModels({
    createThing: {
      method: 'POST',
      path: '/organizations/{orgId}/things',
      successStatus: 201,
      body: (input) => (input && typeof input === 'object' ? [] : [{ field: 'body', message: 'is required' }]),
    },
    createOther: { method: 'POST', path: '/organizations/{orgId}/others', successStatus: 201, body: () => [] },
  });
  const createThing = route(
    { operation: 'createThing', action: 'applications:manage' },
    async ({ body, context }: { body: unknown; context: { principal: { id: string } } }) => {
      if (failNext) {
        failNext = false;
        throw new Error('transient');
      }
      started++;
      await gate;
      await meanwhile?.();
      effects++;
      return { statusCode: 201, body: { id: randomUUID(), by: context.principal.id, input: body } };
    },
  );
  const otherCreate = route({ operation: 'createOther', action: 'applications:manage' }, async () => {
    effects++;
    return { statusCode: 201, body: { id: randomUUID() } };
  });
  const post = (user: string, key: string | undefined, body: unknown, orgId = orgA) =>
    call<{ id: string; error?: { code: string } }>(createThing, {
      token: fakeToken(user),
      method: 'POST',
      pathParameters: { orgId },
      headers: key ? { 'Idempotency-Key': key } : {},
      body,
    });

  beforeEach(() => {
    resetSecurityConfig();
    configureSecurity({
      models,
      resolvers: { user: userResolverFor(fakeVerifier({ alice: {}, bob: {}, carol: {} })) },
    });
    effects = 0;
    started = 0;
    meanwhile = undefined;
  });

  it('is on for a create (an operation answering 201)', () => {
    expect(createThing.route.idempotent).toBe(true);
  });

  it('replays the first response for the same key and body without a second effect', async () => {
    const key = randomUUID();
    const first = await post('alice', key, { name: 'x' });
    const second = await post('alice', key, { name: 'x' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(effects).toBe(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another body, and still replays the first after', async () => {
    const key = randomUUID();
    const first = await post('alice', key, { name: 'x' });
    const reused = await post('alice', key, { name: 'y' });
    expect(reused.statusCode).toBe(409);
    expect(reused.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const again = await post('alice', key, { name: 'x' });
    expect(again.body).toEqual(first.body);
    expect(effects).toBe(1);
  });

  it('scopes keys to the principal: two users never collide', async () => {
    const key = randomUUID();
    const alice = await post('alice', key, { name: 'x' });
    await post('carol', key, { name: 'x' }, orgB);
    expect(effects).toBe(2);
    expect(alice.body.id).toBeDefined();
  });

  it('scopes keys to the organization and the route: the same principal and key elsewhere is another request', async () => {
    const key = randomUUID();
    const inA = await post('alice', key, { name: 'x' });
    const inC = await post('alice', key, { name: 'x' }, orgC);
    const elsewhere = await call<{ id: string }>(otherCreate, {
      token: fakeToken('alice'),
      method: 'POST',
      pathParameters: { orgId: orgA },
      headers: { 'Idempotency-Key': key },
      body: { name: 'x' },
    });
    expect([inA.statusCode, inC.statusCode, elsewhere.statusCode]).toEqual([201, 201, 201]);
    expect(inC.headers['idempotent-replayed']).toBeUndefined();
    expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
    expect(effects).toBe(3);
  });

  it('runs every request without a key', async () => {
    await post('alice', undefined, { name: 'x' });
    await post('alice', undefined, { name: 'x' });
    expect(effects).toBe(2);
  });

  it('stores nothing for a failed first call, so a retry runs', async () => {
    const key = randomUUID();
    failNext = true;
    expect((await post('alice', key, { name: 'x' })).statusCode).toBe(500);
    expect((await post('alice', key, { name: 'x' })).statusCode).toBe(201);
    expect(effects).toBe(1);
  });

  it('checks rights before replaying: a member without the role gets 403, not the stored response', async () => {
    const key = randomUUID();
    await post('alice', key, { name: 'x' });
    expect((await post('bob', key, { name: 'x' })).statusCode).toBe(403);
  });

  it('answers 409 CONFLICT for the same key while the first call runs, and replays it once finished', async () => {
    const key = randomUUID();
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const first = post('alice', key, { name: 'x' });
    await eventually(async () => started, {
      until: (count) => count === 1,
      description: 'the first call to claim the key and reach the business function',
    });
    const during = await post('alice', key, { name: 'x' });
    open();
    gate = undefined;
    expect(during.statusCode).toBe(409);
    expect(during.body.error?.code).toBe('CONFLICT');
    const done = await first;
    expect(done.statusCode).toBe(201);
    expect((await post('alice', key, { name: 'x' })).body).toEqual(done.body);
    expect(effects).toBe(1);
  });

  /** The id of alice's record of `key` in orgA (a hash of principal kind and id, organization, operation and key). */
  const recordIdOf = (key: string) =>
    `tenantry#${createHash('sha256')
      .update(JSON.stringify(['user', 'alice', orgA, 'createThing', key]))
      .digest('hex')}`;

  /** The record of alice's key, as the layer names it. */
  const recordOf = async (key: string) =>
    (
      await db.send(
        new GetCommand({
          TableName: process.env.IDEMPOTENCY_TABLE!,
          Key: { id: recordIdOf(key) },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('keeps the answer 24 hours (TTL attribute expiration), and nothing but a claim while running', async () => {
    const key = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    await post('alice', key, { name: 'x' });
    const record = await recordOf(key);
    expect(record).toMatchObject({ status: 'COMPLETED' });
    expect(record!.expiration).toBeGreaterThanOrEqual(before + 24 * 60 * 60);
    expect(record!.expiration).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 24 * 60 * 60);
    expect(JSON.parse(record!.data as string)).toMatchObject({ statusCode: 201, body: { by: 'alice' } });
  });

  it('takes over a claim whose request ran out of time, and one past its TTL', async () => {
    for (const stale of [
      { status: 'INPROGRESS', inProgressUntil: Date.now() - 1, expiration: Math.floor(Date.now() / 1000) + 3600 },
      { status: 'COMPLETED', inProgressUntil: 0, expiration: Math.floor(Date.now() / 1000) - 1, data: '{}' },
    ]) {
      const key = randomUUID();
      await post('alice', key, { name: 'x' });
      const { id, validation } = (await recordOf(key))!;
      await db.send(new PutCommand({ TableName: process.env.IDEMPOTENCY_TABLE!, Item: { id, validation, ...stale } }));
      const before = effects;
      const retried = await post('alice', key, { name: 'x' });
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(effects).toBe(before + 1);
      expect(await recordOf(key)).toMatchObject({ status: 'COMPLETED' });
    }
  });

  it('compares bodies as JSON values: the same fields in another order are the same request', async () => {
    const key = randomUUID();
    const first = await post('alice', key, { name: 'x', tags: { a: 1, b: 2 } });
    const second = await post('alice', key, { tags: { b: 2, a: 1 }, name: 'x' });
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(effects).toBe(1);
  });

  it('answers 400 for a malformed key', async () => {
    const response = await post('alice', 'x'.repeat(256), { name: 'x' });
    expect(response.statusCode).toBe(400);
  });

  it('claims again when the record holding the key vanishes between the claim and its read', async () => {
    const key = randomUUID();
    expect((await post('alice', key, { name: 'x' })).statusCode).toBe(201);
    // The next claim finds the record, which is then deleted (a TTL removal, a released claim) before
    // the layer reads it: a real DeleteItem, right after DynamoDB Local refused the conditional put.
    let vanish = true;
    const client = documentClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (vanish && /^Put(Item)?Command$/.test(String(context.commandName)) && isConditionFailure(error)) {
            vanish = false;
            await db.send(
              new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE!, Key: { id: recordIdOf(key) } }),
            );
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'vanishingHolder' },
    );
    try {
      const retried = await post('alice', key, { name: 'x' });

      expect(vanish).toBe(false);
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(effects).toBe(2);
      expect(await recordOf(key)).toMatchObject({ status: 'COMPLETED' });
    } finally {
      client.middlewareStack.remove('vanishingHolder');
    }
  });

  it('still answers the effect when its record cannot be completed (the claim was taken over), and leaves the taker alone', async () => {
    const key = randomUUID();
    const warned = jest.spyOn(logger, 'warn');
    const takerUntil = Date.now() + 60_000;
    meanwhile = async () => {
      // Another request takes the claim over while this one runs (a real put of the record).
      const claimed = (await recordOf(key))!;
      await db.send(
        new PutCommand({
          TableName: process.env.IDEMPOTENCY_TABLE!,
          Item: { ...claimed, inProgressUntil: takerUntil },
        }),
      );
    };

    const answer = await post('alice', key, { name: 'x' });

    expect(answer.statusCode).toBe(201);
    expect(answer.body.id).toEqual(expect.any(String));
    expect(effects).toBe(1);
    expect(warned).toHaveBeenCalledWith('idempotency record not completed', expect.anything());
    expect(await recordOf(key)).toMatchObject({ status: 'INPROGRESS', inProgressUntil: takerUntil });
    meanwhile = undefined;
    const during = await post('alice', key, { name: 'x' });
    expect({ status: during.statusCode, code: during.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });
    warned.mockRestore();
  });
});
