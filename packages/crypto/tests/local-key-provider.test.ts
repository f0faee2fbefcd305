import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KeyUnavailableError, LocalKeyProvider } from '../src';
import { describeKeyProviderContract } from './support/key-provider-contract';
import { temporaryDirectory } from './support/temp-dir';

describeKeyProviderContract('LocalKeyProvider', () => {
  const folder = temporaryDirectory();
  return {
    provider: new LocalKeyProvider(join(folder.path, 'kms')),
    keyIds: ['local/platform', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    cleanup: folder.remove,
  };
});

describe('LocalKeyProvider storage', () => {
  const folders: Array<{ remove: () => void }> = [];
  const newFolder = () => {
    const folder = temporaryDirectory();
    folders.push(folder);
    return join(folder.path, 'kms');
  };

  afterEach(() => {
    for (const folder of folders.splice(0)) folder.remove();
  });

  it('touches nothing on disk until first used', () => {
    const directory = newFolder();

    new LocalKeyProvider(directory);

    expect(existsSync(directory)).toBe(false);
  });

  it('creates one private 32-byte master key file per key id on first use', async () => {
    const directory = newFolder();
    const provider = new LocalKeyProvider(directory);

    await provider.generateDataKey({ keyId: 'local/platform', context: { organizationId: 'o' } });
    await provider.generateDataKey({ keyId: 'local/platform', context: { organizationId: 'p' } });
    await provider.generateDataKey({ keyId: 'local/dedicated/acme', context: { organizationId: 'o' } });

    const files = readdirSync(directory);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const path = join(directory, file);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const content = JSON.parse(readFileSync(path, 'utf8')) as { key: string; keyId: string };
      expect(Buffer.from(content.key, 'base64')).toHaveLength(32);
    }
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });

  it('keeps data keys readable by a new provider on the same folder (a restart)', async () => {
    const directory = newFolder();
    const context = { organizationId: 'o' };
    const generated = await new LocalKeyProvider(directory).generateDataKey({ keyId: 'local/platform', context });

    const plaintext = await new LocalKeyProvider(directory).decryptDataKey({
      keyId: 'local/platform',
      encrypted: generated.encrypted,
      context,
    });

    expect(Buffer.from(plaintext).equals(Buffer.from(generated.plaintext))).toBe(true);
  });

  it('uses a single key when two providers create it concurrently', async () => {
    const directory = newFolder();
    const context = { organizationId: 'o' };
    const [one, two] = [new LocalKeyProvider(directory), new LocalKeyProvider(directory)];

    const [a, b] = await Promise.all([
      one.generateDataKey({ keyId: 'local/platform', context }),
      two.generateDataKey({ keyId: 'local/platform', context }),
    ]);

    expect(readdirSync(directory).filter((file) => file.endsWith('.key.json'))).toHaveLength(1);
    const fresh = new LocalKeyProvider(directory);
    await expect(fresh.decryptDataKey({ keyId: 'local/platform', encrypted: a.encrypted, context })).resolves.toEqual(
      a.plaintext,
    );
    await expect(fresh.decryptDataKey({ keyId: 'local/platform', encrypted: b.encrypted, context })).resolves.toEqual(
      b.plaintext,
    );
  });

  it('answers KeyUnavailableError when the master key file is damaged', async () => {
    const directory = newFolder();
    const context = { organizationId: 'o' };
    const generated = await new LocalKeyProvider(directory).generateDataKey({ keyId: 'local/platform', context });
    for (const file of readdirSync(directory)) writeFileSync(join(directory, file), '{}');

    await expect(
      new LocalKeyProvider(directory).decryptDataKey({
        keyId: 'local/platform',
        encrypted: generated.encrypted,
        context,
      }),
    ).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('does not create a master key when asked to decrypt under a key it never had', async () => {
    const directory = newFolder();
    const context = { organizationId: 'o' };
    const provider = new LocalKeyProvider(directory);
    const generated = await provider.generateDataKey({ keyId: 'local/platform', context });
    const stranger = new LocalKeyProvider(newFolder());

    await expect(
      stranger.decryptDataKey({ keyId: 'local/platform', encrypted: generated.encrypted, context }),
    ).rejects.toBeInstanceOf(KeyUnavailableError);
    expect(existsSync(stranger.directory)).toBe(false);
  });
});
