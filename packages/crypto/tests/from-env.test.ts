import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CryptoConfigurationError,
  KmsKeyProvider,
  keyProviderFromEnv,
  LOCAL_PLATFORM_KEY_ID,
  LocalKeyProvider,
  OrganizationKeys,
  platformKeyIdFromEnv,
} from '../src';
import { mockKms } from './support/fake-kms';
import { temporaryDirectory } from './support/temp-dir';

describe('keyProviderFromEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('chooses the local provider when LOCAL_KMS_DIR is set', () => {
    const provider = keyProviderFromEnv({ LOCAL_KMS_DIR: '/tmp/tenantry-kms' });

    expect(provider).toBeInstanceOf(LocalKeyProvider);
    expect((provider as LocalKeyProvider).directory).toBe('/tmp/tenantry-kms');
  });

  it('chooses KMS otherwise, with KMS_ENDPOINT when set', async () => {
    const provider = keyProviderFromEnv({ KMS_ENDPOINT: 'http://127.0.0.1:4566', AWS_REGION: 'eu-west-1' });

    expect(provider).toBeInstanceOf(KmsKeyProvider);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    await expect((provider as KmsKeyProvider).client.config.endpoint?.()).resolves.toMatchObject({ port: 4566 });
  });

  it('reads the platform key id from PLATFORM_KMS_KEY_ID, defaulting to local/platform only locally', () => {
    const local = new LocalKeyProvider('/tmp/tenantry-kms');
    const kms = new KmsKeyProvider();

    expect(platformKeyIdFromEnv(kms, { PLATFORM_KMS_KEY_ID: 'alias/tenantry-platform' })).toBe(
      'alias/tenantry-platform',
    );
    expect(platformKeyIdFromEnv(local, {})).toBe(LOCAL_PLATFORM_KEY_ID);
    expect(() => platformKeyIdFromEnv(kms, {})).toThrow(CryptoConfigurationError);
  });

  it('builds OrganizationKeys from the environment lazily', () => {
    vi.stubEnv('LOCAL_KMS_DIR', '/tmp/tenantry-kms-lazy');
    vi.stubEnv('PLATFORM_KMS_KEY_ID', '');

    const keys = new OrganizationKeys();

    expect(keys.provider).toBeInstanceOf(LocalKeyProvider);
    expect(keys.platformKeyId).toBe('local/platform');
  });
});

describe('importing the package', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads and writes no file and calls no AWS API until a key is used', async () => {
    const folder = temporaryDirectory();
    const directory = join(folder.path, 'kms');
    vi.stubEnv('LOCAL_KMS_DIR', directory);
    const { mock } = mockKms();
    try {
      vi.resetModules();
      const fresh = await import('../src/index');

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
