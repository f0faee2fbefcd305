import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@tenantry/config';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import {
  CryptoConfigurationError,
  type CryptoError,
  DataKeyDecryptionError,
  EnvelopeAuthenticationError,
  type FieldBinding,
  KmsKeyProvider,
  LocalKeyProvider,
  type OrganizationKeyRecord,
  OrganizationKeys,
  PlanNotEligibleError,
} from '../src';
import { countingProvider } from './support/counting-provider';
import { mockKms } from './support/fake-kms';
import { temporaryDirectory } from './support/temp-dir';

const customerKey = 'arn:aws:kms:eu-west-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const otherCustomerKey = 'arn:aws:kms:eu-west-1:999988887777:key/9999abcd-12ab-34cd-56ef-1234567890ab';
const bindingFor = (organizationId: string, name = 'stripe'): FieldBinding => ({
  organizationId,
  entity: 'application/app_1',
  field: `secret/${name}`,
});

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function expectRefused(promise: Promise<unknown>, type: new (...args: never[]) => CryptoError): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  expect(outcome.value).toBeUndefined();
  expect(outcome.error).toBeInstanceOf(type);
}

describe('OrganizationKeys with the local provider', () => {
  let folder: { path: string; remove: () => void };
  let counted: ReturnType<typeof countingProvider>;
  let time: ReturnType<typeof clock>;
  let keys: OrganizationKeys;

  beforeEach(() => {
    folder = temporaryDirectory();
    counted = countingProvider(new LocalKeyProvider(join(folder.path, 'kms')));
    time = clock();
    keys = new OrganizationKeys({
      provider: counted.provider,
      platformKeyId: 'local/platform',
      cache: { now: time.now },
    });
  });

  afterEach(() => folder.remove());

  it('uses PLATFORM_KMS_KEY_ID as the platform key when none is given', async () => {
    stubEnv('PLATFORM_KMS_KEY_ID', 'local/platform-from-env');
    try {
      const local = new OrganizationKeys({ provider: new LocalKeyProvider(join(folder.path, 'kms')) });

      await expect(local.createOrganizationKey('org_a', 'STARTER')).resolves.toMatchObject({
        keyId: 'local/platform-from-env',
      });
    } finally {
      restoreEnv();
    }
  });

  it('creates a platform-key record for every plan by default', async () => {
    for (const plan of ['STARTER', 'PRO', 'ENTERPRISE'] as const) {
      const record = await keys.createOrganizationKey('org_a', plan);

      expect(record).toEqual({ keyId: 'local/platform', encryptedDataKey: expect.any(String), mode: 'platform' });
      expect(Buffer.from(record.encryptedDataKey, 'base64').toString('base64')).toBe(record.encryptedDataKey);
    }
  });

  it('creates a BYOK or dedicated record for ENTERPRISE', async () => {
    const byok = await keys.createOrganizationKey('org_a', 'ENTERPRISE', { keyArn: customerKey });
    const dedicated = await keys.createOrganizationKey('org_b', 'ENTERPRISE', {
      keyArn: otherCustomerKey,
      dedicated: true,
    });

    expect(byok).toMatchObject({ keyId: customerKey, mode: 'byok' });
    expect(dedicated).toMatchObject({ keyId: otherCustomerKey, mode: 'dedicated' });
  });

  it('refuses a customer key below ENTERPRISE', async () => {
    await expectRefused(keys.createOrganizationKey('org_a', 'PRO', { keyArn: customerKey }), PlanNotEligibleError);
    await expectRefused(keys.createOrganizationKey('org_a', 'STARTER', { keyArn: customerKey }), PlanNotEligibleError);
    expect(counted.calls.generate).toBe(0);
  });

  it('refuses a key that is not a KMS key ARN, and the platform key as a customer key', async () => {
    await expectRefused(
      keys.createOrganizationKey('org_a', 'ENTERPRISE', { keyArn: 'alias/whatever' }),
      CryptoConfigurationError,
    );
    await expectRefused(
      keys.createOrganizationKey('org_a', 'ENTERPRISE', { keyArn: 'local/platform' }),
      CryptoConfigurationError,
    );
  });

  it('seals and opens a value', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');

    const sealed = await keys.seal(record, bindingFor('org_a'), 'sk_live_123');

    await expect(keys.openText(record, bindingFor('org_a'), sealed)).resolves.toBe('sk_live_123');
  });

  it("never opens one organization's value with another organization's key or binding", async () => {
    const a = await keys.createOrganizationKey('org_a', 'STARTER');
    const b = await keys.createOrganizationKey('org_b', 'STARTER');
    const sealed = await keys.seal(a, bindingFor('org_a'), 'secret of a');

    await expectRefused(keys.open(b, bindingFor('org_b'), sealed), EnvelopeAuthenticationError);
    // A's stored key presented as B's: KMS refuses the context before any AES-GCM happens.
    await expectRefused(keys.open(a, bindingFor('org_b'), sealed), DataKeyDecryptionError);
    await expectRefused(keys.open(b, bindingFor('org_a'), sealed), DataKeyDecryptionError);
  });

  it('refuses another entity or field of the same organization', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');
    const sealed = await keys.seal(record, bindingFor('org_a'), 'secret');

    await expectRefused(
      keys.open(record, { ...bindingFor('org_a'), entity: 'application/app_2' }, sealed),
      EnvelopeAuthenticationError,
    );
    await expectRefused(keys.open(record, bindingFor('org_a', 'github'), sealed), EnvelopeAuthenticationError);
  });

  it('refuses a tampered stored data key', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');
    const sealed = await keys.seal(record, bindingFor('org_a'), 'secret');
    const blob = Buffer.from(record.encryptedDataKey, 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    const tampered: OrganizationKeyRecord = { ...record, encryptedDataKey: blob.toString('base64') };

    await expectRefused(keys.open(tampered, bindingFor('org_a'), sealed), DataKeyDecryptionError);
  });

  it('decrypts the data key once, then serves seals and opens from the cache', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');

    const sealed = await keys.seal(record, bindingFor('org_a'), 'one');
    await keys.seal(record, bindingFor('org_a', 'two'), 'two');
    await keys.open(record, bindingFor('org_a'), sealed);

    expect(counted.calls.decrypt).toBe(1);
  });

  it('shares one provider call between concurrent misses', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');

    await Promise.all(Array.from({ length: 10 }, (_, i) => keys.seal(record, bindingFor('org_a', `s${i}`), 'v')));

    expect(counted.calls.decrypt).toBe(1);
  });

  it('decrypts again once the TTL has passed', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');
    await keys.seal(record, bindingFor('org_a'), 'x');

    time.advance(5 * 60 * 1000 - 1);
    await keys.seal(record, bindingFor('org_a'), 'x');
    expect(counted.calls.decrypt).toBe(1);

    time.advance(1);
    await keys.seal(record, bindingFor('org_a'), 'x');
    expect(counted.calls.decrypt).toBe(2);
  });

  it('honours a shorter TTL and refuses one above 5 minutes', async () => {
    const short = new OrganizationKeys({
      provider: counted.provider,
      platformKeyId: 'local/platform',
      cache: { ttlMs: 10_000, now: time.now },
    });
    const record = await short.createOrganizationKey('org_a', 'STARTER');
    await short.seal(record, bindingFor('org_a'), 'x');
    time.advance(10_000);
    await short.seal(record, bindingFor('org_a'), 'x');

    expect(counted.calls.decrypt).toBe(2);
    expect(() => new OrganizationKeys({ provider: counted.provider, cache: { ttlMs: 5 * 60 * 1000 + 1 } })).toThrow(
      CryptoConfigurationError,
    );
  });

  it('calls the provider every time with caching off (TTL 0)', async () => {
    const uncached = new OrganizationKeys({
      provider: counted.provider,
      platformKeyId: 'local/platform',
      cache: { ttlMs: 0 },
    });
    const record = await uncached.createOrganizationKey('org_a', 'STARTER');

    await Promise.all([
      uncached.seal(record, bindingFor('org_a'), 'x'),
      uncached.seal(record, bindingFor('org_a'), 'y'),
    ]);

    expect(counted.calls.decrypt).toBe(2);
  });

  it('forgets an organization: its key leaves memory, and opening needs the stored key again', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');
    const other = await keys.createOrganizationKey('org_b', 'STARTER');
    const sealed = await keys.seal(record, bindingFor('org_a'), 'x');
    await keys.seal(other, bindingFor('org_b'), 'y');
    expect(keys.cache.size).toBe(2);

    keys.forgetOrganization('org_a');

    expect(keys.cache.size).toBe(1);
    // Purged: the stored encrypted data key is deleted, so nothing can open the value any more.
    const purged: OrganizationKeyRecord = { ...record, encryptedDataKey: '' };
    await expectRefused(keys.open(purged, bindingFor('org_a'), sealed), CryptoConfigurationError);
  });

  it('does not cache a decryption that was in flight when the organization was forgotten', async () => {
    const record = await keys.createOrganizationKey('org_a', 'STARTER');

    const sealing = keys.seal(record, bindingFor('org_a'), 'x');
    keys.forgetOrganization('org_a');
    await sealing;

    expect(keys.cache.size).toBe(0);
  });

  it('re-wraps to a customer key (BYOK): old values open with the new record', async () => {
    const record = await keys.createOrganizationKey('org_a', 'PRO');
    const sealed = await keys.seal(record, bindingFor('org_a'), 'before BYOK');

    const byok = await keys.rewrapOrganizationKey('org_a', record, 'ENTERPRISE', { keyArn: customerKey });
    keys.forgetOrganization('org_a');

    expect(byok).toMatchObject({ keyId: customerKey, mode: 'byok' });
    expect(byok.encryptedDataKey).not.toBe(record.encryptedDataKey);
    await expect(keys.openText(byok, bindingFor('org_a'), sealed)).resolves.toBe('before BYOK');
    expect(counted.calls.reEncrypt).toBe(1);
  });

  it('re-wraps from one customer key to another, and back to the platform key on a downgrade', async () => {
    const record = await keys.createOrganizationKey('org_a', 'ENTERPRISE', { keyArn: customerKey });
    const sealed = await keys.seal(record, bindingFor('org_a'), 'kept');

    const moved = await keys.rewrapOrganizationKey('org_a', record, 'ENTERPRISE', { keyArn: otherCustomerKey });
    const back = await keys.rewrapOrganizationKey('org_a', moved, 'PRO');
    keys.forgetOrganization('org_a');

    expect(back).toMatchObject({ keyId: 'local/platform', mode: 'platform' });
    await expect(keys.openText(back, bindingFor('org_a'), sealed)).resolves.toBe('kept');
    await expect(keys.openText(moved, bindingFor('org_a'), sealed)).resolves.toBe('kept');
  });

  it("refuses to re-wrap another organization's key", async () => {
    const record = await keys.createOrganizationKey('org_a', 'ENTERPRISE');

    await expectRefused(
      keys.rewrapOrganizationKey('org_b', record, 'ENTERPRISE', { keyArn: customerKey }),
      DataKeyDecryptionError,
    );
  });

  it('refuses a BYOK re-wrap below ENTERPRISE', async () => {
    const record = await keys.createOrganizationKey('org_a', 'PRO');

    await expectRefused(
      keys.rewrapOrganizationKey('org_a', record, 'PRO', { keyArn: customerKey }),
      PlanNotEligibleError,
    );
  });
});

describe('OrganizationKeys on the KMS path (mocked KMS)', () => {
  let restore: () => void;
  afterEach(() => restore());

  it('seals, opens and re-wraps to a customer key through KMS', async () => {
    const { mock } = mockKms();
    restore = () => mock.restore();
    const keys = new OrganizationKeys({
      provider: new KmsKeyProvider({ region: 'eu-west-1' }),
      platformKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/0b3f1c2a-0000-4000-8000-000000000001',
    });
    const record = await keys.createOrganizationKey('org_a', 'ENTERPRISE');
    const sealed = await keys.seal(record, bindingFor('org_a'), 'through kms');

    const byok = await keys.rewrapOrganizationKey('org_a', record, 'ENTERPRISE', { keyArn: customerKey });
    keys.forgetOrganization('org_a');

    await expect(keys.openText(byok, bindingFor('org_a'), sealed)).resolves.toBe('through kms');
    await expectRefused(keys.open(byok, bindingFor('org_b'), sealed), DataKeyDecryptionError);
  });

  it('fails on first use, not on construction, when PLATFORM_KMS_KEY_ID is missing', async () => {
    const { mock } = mockKms();
    restore = () => mock.restore();
    stubEnv('PLATFORM_KMS_KEY_ID', '');
    try {
      const keys = new OrganizationKeys({ provider: new KmsKeyProvider({ region: 'eu-west-1' }) });

      await expect(keys.createOrganizationKey('org_a', 'STARTER')).rejects.toThrow(ConfigurationError);
      expect(mock.calls()).toHaveLength(0);
    } finally {
      restoreEnv();
    }
  });
});
