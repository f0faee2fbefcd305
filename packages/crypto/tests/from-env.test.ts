import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigurationError } from '@tenantry/config';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import { KmsKeyProvider, keyProviderFromEnv, LocalKeyProvider, OrganizationKeys, platformKeyIdFromEnv } from '../src';
import { temporaryDirectory } from './support/temp-dir';

describe('keyProviderFromEnv', () => {
  afterEach(() => {
    restoreEnv();
    jest.restoreAllMocks();
  });

  it('chooses the local provider when LOCAL_KMS_DIR is set', () => {
    const provider = keyProviderFromEnv({ LOCAL_KMS_DIR: '/tmp/tenantry-kms' });

    expect(provider).toBeInstanceOf(LocalKeyProvider);
    expect((provider as LocalKeyProvider).directory).toBe('/tmp/tenantry-kms');
  });

  it('chooses KMS otherwise, with KMS_ENDPOINT when set', async () => {
    const provider = keyProviderFromEnv({ KMS_ENDPOINT: 'http://127.0.0.1:4566' });

    expect(provider).toBeInstanceOf(KmsKeyProvider);
    stubEnv('AWS_REGION', 'eu-west-1');
    await expect((provider as KmsKeyProvider).client.config.endpoint?.()).resolves.toMatchObject({ port: 4566 });
  });

  it('reads the platform key id from PLATFORM_KMS_KEY_ID, which every stage sets: unset is a configuration error', () => {
    stubEnv('PLATFORM_KMS_KEY_ID', 'alias/tenantry-platform');
    expect(platformKeyIdFromEnv()).toBe('alias/tenantry-platform');

    stubEnv('PLATFORM_KMS_KEY_ID', '');

    expect(() => platformKeyIdFromEnv()).toThrow(ConfigurationError);
    expect(() => platformKeyIdFromEnv()).toThrow('environment variable PLATFORM_KMS_KEY_ID is not set');
  });

  it('builds OrganizationKeys from the environment lazily', () => {
    stubEnv('LOCAL_KMS_DIR', '/tmp/tenantry-kms-lazy');
    stubEnv('PLATFORM_KMS_KEY_ID', 'local/platform');

    const keys = new OrganizationKeys();

    expect(keys.provider).toBeInstanceOf(LocalKeyProvider);
    expect(keys.platformKeyId).toBe('local/platform');
  });
});

describe('importing the package', () => {
  afterEach(() => {
    restoreEnv();
  });

  it('reads and writes no file and calls no AWS API until a key is used', async () => {
    const folder = temporaryDirectory();
    const directory = join(folder.path, 'kms');
    stubEnv('LOCAL_KMS_DIR', directory);
    stubEnv('PLATFORM_KMS_KEY_ID', 'local/platform');
    // resetModules reloads node_modules too: the KMS mock must attach to the fresh KMSClient class.
    jest.resetModules();
    const fresh = await import('../src/index');
    const { mock } = (await import('./support/fake-kms')).mockKms();
    try {
      const keys = fresh.organizationKeys();
      expect(keys.provider).toBeInstanceOf(fresh.LocalKeyProvider);
      new fresh.OrganizationKeys({ provider: new fresh.KmsKeyProvider({ region: 'eu-west-1' }) });

      expect(existsSync(directory)).toBe(false);
      expect(mock.calls()).toHaveLength(0);
      await keys.createOrganizationKey('org_a', 'STARTER');
      expect(existsSync(directory)).toBe(true);
    } finally {
      mock.restore();
      folder.remove();
    }
  });
});
