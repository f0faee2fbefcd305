import { DecryptCommand, GenerateDataKeyCommand, KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import { DataKeyDecryptionError, KeyProviderError, KeyUnavailableError, KmsKeyProvider } from '../src';
import { mockKms } from './support/fake-kms';
import { describeKeyProviderContract } from './support/key-provider-contract';

const platformKey = 'arn:aws:kms:eu-west-1:111122223333:key/0b3f1c2a-0000-4000-8000-000000000001';
const customerKey = 'arn:aws:kms:eu-west-1:999988887777:key/mrk-5e1a9d7c0f7e4d3ab8c2e1f0a9b8c7d6';

describeKeyProviderContract('KmsKeyProvider (aws-sdk-client-mock + in-memory KMS)', () => {
  const { mock } = mockKms();
  return {
    provider: new KmsKeyProvider({ region: 'eu-west-1' }),
    keyIds: [platformKey, customerKey],
    cleanup: () => mock.restore(),
  };
});

describe('KmsKeyProvider requests', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
    restoreEnv();
  });

  it('asks KMS for an AES_256 data key with the context, and decrypts pinning the key id', async () => {
    const { mock } = mockKms();
    restore = () => mock.restore();
    const provider = new KmsKeyProvider({ region: 'eu-west-1' });

    const generated = await provider.generateDataKey({ keyId: platformKey, context: { organizationId: 'org_1' } });
    await provider.decryptDataKey({
      keyId: platformKey,
      encrypted: generated.encrypted,
      context: { organizationId: 'org_1' },
    });

    expect(mock.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toEqual({
      KeyId: platformKey,
      KeySpec: 'AES_256',
      EncryptionContext: { organizationId: 'org_1' },
    });
    expect(mock.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: platformKey,
      EncryptionContext: { organizationId: 'org_1' },
    });
    expect(generated.keyId).toBe(platformKey);
  });

  it('re-wraps with one ReEncrypt call carrying the same context on both sides', async () => {
    const { mock } = mockKms();
    restore = () => mock.restore();
    const provider = new KmsKeyProvider({ region: 'eu-west-1' });
    const context = { organizationId: 'org_1' };
    const generated = await provider.generateDataKey({ keyId: platformKey, context });

    await provider.reEncryptDataKey({
      fromKeyId: platformKey,
      toKeyId: customerKey,
      encrypted: generated.encrypted,
      context,
    });

    expect(mock.commandCalls(ReEncryptCommand)).toHaveLength(1);
    expect(mock.commandCalls(ReEncryptCommand)[0]?.args[0].input).toMatchObject({
      SourceKeyId: platformKey,
      SourceEncryptionContext: context,
      DestinationKeyId: customerKey,
      DestinationEncryptionContext: context,
    });
    expect(mock.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('answers the key ARN KMS reports when given a bare key id', async () => {
    const { mock } = mockKms();
    restore = () => mock.restore();

    const generated = await new KmsKeyProvider({ region: 'eu-west-1' }).generateDataKey({
      keyId: '0b3f1c2a-0000-4000-8000-000000000001',
      context: { organizationId: 'o' },
    });

    expect(generated.keyId).toBe(platformKey);
  });

  it('maps a disabled key to KeyUnavailableError', async () => {
    const { mock, kms } = mockKms();
    restore = () => mock.restore();
    const provider = new KmsKeyProvider({ region: 'eu-west-1' });
    const context = { organizationId: 'o' };
    const generated = await provider.generateDataKey({ keyId: customerKey, context });
    kms.disable(customerKey);

    await expect(
      provider.decryptDataKey({ keyId: customerKey, encrypted: generated.encrypted, context }),
    ).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('maps a revoked grant (AccessDeniedException) to KeyUnavailableError', async () => {
    const mock = (await import('aws-sdk-client-mock')).mockClient(KMSClient);
    restore = () => mock.restore();
    mock.on(DecryptCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    const failure = new KmsKeyProvider({ region: 'eu-west-1' }).decryptDataKey({
      keyId: customerKey,
      encrypted: new Uint8Array(64),
      context: { organizationId: 'o' },
    });

    await expect(failure).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('maps other failures to a KeyProviderError that keeps the cause but not its text', async () => {
    const mock = (await import('aws-sdk-client-mock')).mockClient(KMSClient);
    restore = () => mock.restore();
    const throttled = Object.assign(new Error('Rate exceeded for arn:…'), { name: 'ThrottlingException' });
    mock.on(GenerateDataKeyCommand).rejects(throttled);

    const error = await new KmsKeyProvider({ region: 'eu-west-1' })
      .generateDataKey({ keyId: platformKey, context: { organizationId: 'o' } })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(KeyProviderError);
    expect(error).not.toBeInstanceOf(DataKeyDecryptionError);
    expect((error as KeyProviderError).cause).toBe(throttled);
    expect((error as KeyProviderError).message).not.toContain('arn:');
  });

  it('refuses a data key that is not 32 bytes', async () => {
    const mock = (await import('aws-sdk-client-mock')).mockClient(KMSClient);
    restore = () => mock.restore();
    mock
      .on(GenerateDataKeyCommand)
      .resolves({ KeyId: platformKey, Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array(64) });

    await expect(
      new KmsKeyProvider({ region: 'eu-west-1' }).generateDataKey({
        keyId: platformKey,
        context: { organizationId: 'o' },
      }),
    ).rejects.toBeInstanceOf(KeyProviderError);
  });
});

describe('KmsKeyProvider client', () => {
  afterEach(() => {
    restoreEnv();
  });

  it('takes its endpoint from the option, else from KMS_ENDPOINT', async () => {
    stubEnv('KMS_ENDPOINT', 'http://127.0.0.1:4566');

    const fromEnv = await new KmsKeyProvider({ region: 'eu-west-1' }).client.config.endpoint?.();
    const fromOption = await new KmsKeyProvider({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4599',
    }).client.config.endpoint?.();

    expect(fromEnv).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
    expect(fromOption).toMatchObject({ hostname: '127.0.0.1', port: 4599 });
  });

  it('uses a client it is given', () => {
    const client = new KMSClient({ region: 'eu-west-1' });

    expect(new KmsKeyProvider({ client }).client).toBe(client);
  });
});
