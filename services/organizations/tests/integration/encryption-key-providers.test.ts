// The encryption-key use case against DynamoDB Local with each key provider of @tenantry/crypto:
// AWS KMS (under aws-sdk-client-mock, backed by the in-memory fake KMS of @tenantry/crypto/testing)
// and the local provider. The data key is re-wrapped, never replaced: what was sealed before opens
// after; an unusable customer key (disabled in KMS) is refused with 400 and nothing is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type KeyProvider, KmsKeyProvider, LocalKeyProvider, OrganizationKeys } from '@tenantry/crypto';
import { type FakeKms, mockKms } from '@tenantry/crypto/testing';
import { documentClient, organizationKey, tables, usageKey } from '@tenantry/dynamo';
import { ForbiddenError, ValidationFailedError } from '@tenantry/errors';
import type { NewDomainEvent } from '@tenantry/events';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { dynamoOrganizationRepository } from '../../src/data/organization-repository';
import { dynamoPurgeRepository } from '../../src/data/purge';
import { dynamoRoleRepository } from '../../src/data/role-repository';
import { setEncryptionKey } from '../../src/domain/encryption-key';
import type { DataKeyRecord } from '../../src/domain/model';
import type { Dependencies, OrganizationRepository } from '../../src/domain/ports';

const KMS_PLATFORM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/platform-0000';

interface Setup {
  name: string;
  platformKeyId: string;
  provider: () => KeyProvider;
  customerKey: (suffix: string) => string;
  /** Makes a customer key unusable (KMS: disabled); undefined when the provider cannot. */
  disable?: (keyId: string) => void;
  teardown: () => void;
}

let fake: ReturnType<typeof mockKms> | undefined;
const kmsSetup = (): Setup => {
  fake = mockKms();
  const kms: FakeKms = fake.kms;
  return {
    name: 'AWS KMS (aws-sdk-client-mock)',
    platformKeyId: KMS_PLATFORM_KEY,
    provider: () => new KmsKeyProvider({ region: 'eu-west-1' }),
    customerKey: (suffix) => `arn:aws:kms:eu-west-1:444455556666:key/customer-${suffix.replaceAll('_', '-')}`,
    disable: (keyId) => kms.disable(keyId),
    teardown: () => fake?.mock.restore(),
  };
};
const localSetup = (): Setup => {
  const directory = mkdtempSync(join(tmpdir(), 'tenantry-kms-'));
  return {
    name: 'local key provider',
    platformKeyId: 'local/platform',
    provider: () => new LocalKeyProvider(directory),
    customerKey: (suffix) => `local/customer-${suffix}`,
    teardown: () => rmSync(directory, { recursive: true, force: true }),
  };
};

/** The repository, keeping the event each successful data-key write stored in its outbox. */
function keepingKeyEvents(
  repository: OrganizationRepository,
  keep: (event: NewDomainEvent) => void,
): OrganizationRepository {
  return {
    ...repository,
    async replaceDataKey(scope, expected, next, now, event) {
      const outcome = await repository.replaceDataKey(scope, expected, next, now, event);
      if (outcome !== 'changed') keep(event);
      return outcome;
    },
  };
}

const binding = (organizationId: string) => ({ organizationId, entity: 'application/app_1', field: 'secret/stripe' });

describe.each([{ make: kmsSetup }, { make: localSetup }])('re-wrapping', ({ make }) => {
  let setup: Setup;
  let keys: OrganizationKeys;
  let events: NewDomainEvent[];
  let deps: Dependencies;

  beforeAll(() => {
    setup = make();
    keys = new OrganizationKeys({ provider: setup.provider(), platformKeyId: setup.platformKeyId });
    events = [];
    deps = {
      organizations: keepingKeyEvents(dynamoOrganizationRepository(documentClient()), (event) => events.push(event)),
      purge: dynamoPurgeRepository(documentClient()),
      roles: dynamoRoleRepository(documentClient()),
      keys,
      events: { record: async (batch: NewDomainEvent[]) => void events.push(...batch) },
      now: () => new Date(),
      newId: () => 'unused',
      random: () => 'unused',
    };
  });
  afterAll(() => setup.teardown());

  /** An organization item with a data key of this provider, and the context layer 2 would give its OWNER. */
  async function organization(plan: 'ENTERPRISE' | 'PRO' = 'ENTERPRISE') {
    const id = `org_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
    const dataKey = await keys.createOrganizationKey(id, plan);
    const now = new Date().toISOString();
    const item = {
      id,
      name: 'Keyed',
      slug: id.replaceAll('_', '-'),
      status: 'ACTIVE',
      plan,
      ownerId: 'owner-1',
      metadata: {},
      createdAt: now,
      updatedAt: now,
      dataKey,
    };
    const db = documentClient();
    await db.send(
      new PutCommand({
        TableName: tables.organizations(),
        Item: { ...organizationKey(id), entity: 'Organization', organizationId: id, ...item },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: tables.organizations(),
        Item: { ...usageKey(id), entity: 'Usage', organizationId: id, seats: 1, activeMembers: 1, applications: 0 },
      }),
    );
    const context = {
      scope: 'organization',
      action: 'organization:encryption_key',
      requestId: 'test',
      platformGroups: [],
      principal: { kind: 'user', id: 'owner-1', email: undefined, emailVerified: true, groups: [] },
      organizationId: id,
      organization: item,
      membership: undefined,
      role: 'OWNER',
      access: 'member',
    } as unknown as OrganizationSecurityContext;
    return { id, dataKey, context };
  }

  async function storedKey(id: string): Promise<DataKeyRecord> {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tables.organizations(), Key: organizationKey(id), ConsistentRead: true }),
    );
    return Item?.dataKey as DataKeyRecord;
  }

  /** The organization as layer 2 would load it for the next request. */
  async function reload(context: OrganizationSecurityContext): Promise<OrganizationSecurityContext> {
    const { Item } = await documentClient().send(
      new GetCommand({
        TableName: tables.organizations(),
        Key: organizationKey(context.organizationId),
        ConsistentRead: true,
      }),
    );
    return { ...context, organization: Item } as OrganizationSecurityContext;
  }

  it('moves the data key to a customer key and a dedicated key and back; values sealed before still open', async () => {
    const { id, dataKey, context } = await organization();
    const sealed = await keys.seal(dataKey, binding(id), 'sk_live_before');

    const customer = setup.customerKey(id);
    const byok = await setEncryptionKey(deps, context, { mode: 'byok', keyArn: customer });
    expect(byok.encryption).toEqual({ mode: 'byok', keyArn: customer });
    const afterByok = await storedKey(id);
    expect(afterByok).toMatchObject({ keyId: customer, mode: 'byok' });
    expect(afterByok.encryptedDataKey).not.toBe(dataKey.encryptedDataKey);
    expect(await keys.openText(afterByok, binding(id), sealed)).toBe('sk_live_before');

    const dedicated = await setEncryptionKey(deps, await reload(context), { mode: 'dedicated' });
    const afterDedicated = await storedKey(id);
    expect(dedicated.encryption).toEqual({ mode: 'dedicated', keyArn: afterDedicated.keyId });
    expect([customer, setup.platformKeyId]).not.toContain(afterDedicated.keyId);
    expect(await keys.openText(afterDedicated, binding(id), sealed)).toBe('sk_live_before');

    const platform = await setEncryptionKey(deps, await reload(context), { mode: 'platform' });
    expect(platform.encryption).toEqual({ mode: 'platform' });
    const afterPlatform = await storedKey(id);
    expect(afterPlatform.keyId).toBe(setup.platformKeyId);
    expect(await keys.openText(afterPlatform, binding(id), sealed)).toBe('sk_live_before');

    expect(events.filter((event) => event.organizationId === id).map((event) => event.data)).toEqual([
      { from: { mode: 'platform' }, to: { mode: 'byok', keyArn: customer } },
      { from: { mode: 'byok', keyArn: customer }, to: { mode: 'dedicated', keyArn: afterDedicated.keyId } },
      { from: { mode: 'dedicated', keyArn: afterDedicated.keyId }, to: { mode: 'platform' } },
    ]);
  });

  it('refuses a customer key that cannot be used (400) and stores nothing', async () => {
    const { id, dataKey, context } = await organization();
    const refusals = [{ mode: 'byok' as const, keyArn: setup.platformKeyId }];
    if (setup.disable) {
      const disabled = setup.customerKey(`disabled-${id}`);
      setup.disable(disabled);
      refusals.push({ mode: 'byok', keyArn: disabled });
    }
    for (const body of refusals) {
      await expect(setEncryptionKey(deps, context, body)).rejects.toBeInstanceOf(ValidationFailedError);
      expect(await storedKey(id)).toEqual(dataKey);
    }
    expect(events.filter((event) => event.organizationId === id)).toEqual([]);
  });

  it('refuses every plan but ENTERPRISE with 403 FORBIDDEN', async () => {
    const { id, dataKey, context } = await organization('PRO');
    await expect(setEncryptionKey(deps, context, { mode: 'dedicated' })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await storedKey(id)).toEqual(dataKey);
  });
});
