import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DataKeyDecryptionError, type KeyProvider } from '../../src';

/** What a contract run needs: a provider and two distinct master key ids it can use. */
export interface ContractSubject {
  provider: KeyProvider;
  keyIds: readonly [string, string];
  cleanup?: () => void | Promise<void>;
}

const contextA = { organizationId: 'org_a' };
const contextB = { organizationId: 'org_b' };

function altered(blob: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(blob);
  const at = ((index % copy.length) + copy.length) % copy.length;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/**
 * The behaviour every {@link KeyProvider} must have. Run it once per implementation so the local
 * provider used by `npm start` and the KMS provider used when deployed cannot drift apart.
 */
export function describeKeyProviderContract(
  name: string,
  makeProvider: () => ContractSubject | Promise<ContractSubject>,
) {
  describe(`KeyProvider contract: ${name}`, () => {
    let subject: ContractSubject;
    let provider: KeyProvider;
    let first: string;
    let second: string;

    beforeEach(async () => {
      subject = await makeProvider();
      provider = subject.provider;
      [first, second] = subject.keyIds;
    });

    afterEach(async () => {
      await subject.cleanup?.();
    });

    it('generates a 32-byte data key and a wrapped blob that is not the key', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      expect(generated.plaintext).toBeInstanceOf(Uint8Array);
      expect(generated.plaintext.byteLength).toBe(32);
      expect(generated.encrypted.byteLength).toBeGreaterThan(32);
      expect(Buffer.from(generated.encrypted).includes(Buffer.from(generated.plaintext))).toBe(false);
      expect(generated.keyId).toEqual(expect.any(String));
    });

    it('generates a different data key every time', async () => {
      const one = await provider.generateDataKey({ keyId: first, context: contextA });
      const two = await provider.generateDataKey({ keyId: first, context: contextA });

      expect(Buffer.from(one.plaintext).equals(Buffer.from(two.plaintext))).toBe(false);
      expect(Buffer.from(one.encrypted).equals(Buffer.from(two.encrypted))).toBe(false);
    });

    it('decrypts a data key under the same key id and context', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      const plaintext = await provider.decryptDataKey({
        keyId: first,
        encrypted: generated.encrypted,
        context: contextA,
      });

      expect(Buffer.from(plaintext).equals(Buffer.from(generated.plaintext))).toBe(true);
    });

    it('accepts the key id it answered as well as the one it was given', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      const plaintext = await provider.decryptDataKey({
        keyId: generated.keyId,
        encrypted: generated.encrypted,
        context: contextA,
      });

      expect(Buffer.from(plaintext).equals(Buffer.from(generated.plaintext))).toBe(true);
    });

    it('ignores the order of the context keys', async () => {
      const generated = await provider.generateDataKey({
        keyId: first,
        context: { organizationId: 'o', purpose: 'p' },
      });

      const plaintext = await provider.decryptDataKey({
        keyId: first,
        encrypted: generated.encrypted,
        context: { purpose: 'p', organizationId: 'o' },
      });

      expect(Buffer.from(plaintext).equals(Buffer.from(generated.plaintext))).toBe(true);
    });

    it("refuses another organization's context", async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      await expect(
        provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted, context: contextB }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('refuses a context with an extra or a missing pair', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      await expect(
        provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted, context: { ...contextA, extra: 'x' } }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
      await expect(
        provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted, context: {} }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('refuses another key id than the one that wrapped the data key', async () => {
      await provider.generateDataKey({ keyId: second, context: contextA });
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      await expect(
        provider.decryptDataKey({ keyId: second, encrypted: generated.encrypted, context: contextA }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('refuses an altered blob, wherever the change is', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      for (const index of [0, 5, Math.floor(generated.encrypted.length / 2), -20, -1]) {
        await expect(
          provider.decryptDataKey({ keyId: first, encrypted: altered(generated.encrypted, index), context: contextA }),
        ).rejects.toBeInstanceOf(DataKeyDecryptionError);
      }
      await expect(
        provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted.subarray(0, -1), context: contextA }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('re-encrypts under another key: same data key, opens only under the new key id', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      const moved = await provider.reEncryptDataKey({
        fromKeyId: first,
        toKeyId: second,
        encrypted: generated.encrypted,
        context: contextA,
      });

      const plaintext = await provider.decryptDataKey({ keyId: second, encrypted: moved.encrypted, context: contextA });
      expect(Buffer.from(plaintext).equals(Buffer.from(generated.plaintext))).toBe(true);
      expect(moved.keyId).toEqual(expect.any(String));
      await expect(
        provider.decryptDataKey({ keyId: first, encrypted: moved.encrypted, context: contextA }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
      await expect(
        provider.decryptDataKey({ keyId: second, encrypted: moved.encrypted, context: contextB }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('refuses to re-encrypt with the wrong context or the wrong source key', async () => {
      await provider.generateDataKey({ keyId: second, context: contextA });
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });

      await expect(
        provider.reEncryptDataKey({
          fromKeyId: first,
          toKeyId: second,
          encrypted: generated.encrypted,
          context: contextB,
        }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
      await expect(
        provider.reEncryptDataKey({
          fromKeyId: second,
          toKeyId: first,
          encrypted: generated.encrypted,
          context: contextA,
        }),
      ).rejects.toBeInstanceOf(DataKeyDecryptionError);
    });

    it('hands out plaintext the caller owns: zeroing it does not affect the next decryption', async () => {
      const generated = await provider.generateDataKey({ keyId: first, context: contextA });
      const expected = Buffer.from(generated.plaintext);

      const once = await provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted, context: contextA });
      once.fill(0);
      const twice = await provider.decryptDataKey({ keyId: first, encrypted: generated.encrypted, context: contextA });

      expect(Buffer.from(twice).equals(expected)).toBe(true);
    });
  });
}
