// Dedicated keys (ENTERPRISE `dedicated` mode): a master key created for one organization by the
// provider, then the organization's data key re-wrapped under it; values sealed before still open.

import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CryptoConfigurationError,
  type FieldBinding,
  type KeyProvider,
  KmsKeyProvider,
  LocalKeyProvider,
  OrganizationKeys,
} from '../src';
import { mockKms } from './support/fake-kms';
import { temporaryDirectory } from './support/temp-dir';

const binding: FieldBinding = { organizationId: 'org_1', entity: 'application/app_1', field: 'secret/stripe' };
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

describe('provisionDedicatedKey', () => {
  it('creates a KMS key tagged with the organization, and the data key moves under it', async () => {
    const { mock } = mockKms();
    cleanups.push(() => mock.restore());
    const keys = new OrganizationKeys({
      provider: new KmsKeyProvider({ region: 'eu-west-1' }),
      platformKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/platform',
    });
    const record = await keys.createOrganizationKey('org_1', 'ENTERPRISE');
    const sealed = await keys.seal(record, binding, 'sk_live_1');

    const keyArn = await keys.provisionDedicatedKey('org_1');
    const moved = await keys.rewrapOrganizationKey('org_1', record, 'ENTERPRISE', { keyArn, dedicated: true });

    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    expect(mock.commandCalls(CreateKeyCommand)).toHaveLength(1);
    expect(mock.commandCalls(CreateKeyCommand)[0]?.args[0].input).toMatchObject({
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Tags: [{ TagKey: 'tenantry:organizationId', TagValue: 'org_1' }],
    });
    expect(moved).toMatchObject({ keyId: keyArn, mode: 'dedicated' });
    expect(await keys.openText(moved, binding, sealed)).toBe('sk_live_1');
  });

  it('names a local key of the organization with the local provider', async () => {
    const dir = temporaryDirectory();
    cleanups.push(dir.remove);
    const keys = new OrganizationKeys({ provider: new LocalKeyProvider(dir.path), platformKeyId: 'local/platform' });
    const record = await keys.createOrganizationKey('org_1', 'ENTERPRISE');
    const sealed = await keys.seal(record, binding, 'sk_live_1');

    const keyArn = await keys.provisionDedicatedKey('org_1');
    const moved = await keys.rewrapOrganizationKey('org_1', record, 'ENTERPRISE', { keyArn, dedicated: true });

    expect(keyArn).toBe('local/dedicated/org_1');
    expect(await keys.openText(moved, binding, sealed)).toBe('sk_live_1');
  });

  it('refuses with a configuration error when the provider cannot create keys', async () => {
    const dir = temporaryDirectory();
    cleanups.push(dir.remove);
    const base = new LocalKeyProvider(dir.path);
    const provider: KeyProvider = {
      generateDataKey: (input) => base.generateDataKey(input),
      decryptDataKey: (input) => base.decryptDataKey(input),
      reEncryptDataKey: (input) => base.reEncryptDataKey(input),
    };
    const keys = new OrganizationKeys({ provider, platformKeyId: 'local/platform' });
    await expect(keys.provisionDedicatedKey('org_1')).rejects.toBeInstanceOf(CryptoConfigurationError);
  });
});
