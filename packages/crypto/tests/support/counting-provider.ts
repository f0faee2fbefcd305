import type { KeyProvider } from '../../src';

/** Wraps a provider and counts its calls, so tests can prove a cache hit made no provider call. */
export function countingProvider(inner: KeyProvider) {
  const calls = { generate: 0, decrypt: 0, reEncrypt: 0 };
  const provider: KeyProvider = {
    generateDataKey: (input) => {
      calls.generate += 1;
      return inner.generateDataKey(input);
    },
    decryptDataKey: (input) => {
      calls.decrypt += 1;
      return inner.decryptDataKey(input);
    },
    reEncryptDataKey: (input) => {
      calls.reEncrypt += 1;
      return inner.reEncryptDataKey(input);
    },
  };
  return { provider, calls };
}
