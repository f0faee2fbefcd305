import { resolve } from 'node:path';
import { CryptoConfigurationError } from './errors';
import type { KeyProvider } from './key-provider';
import { KmsKeyProvider } from './kms-key-provider';
import { LocalKeyProvider } from './local-key-provider';

/** The platform key id used locally when `PLATFORM_KMS_KEY_ID` is unset. */
export const LOCAL_PLATFORM_KEY_ID = 'local/platform';

type Env = Record<string, string | undefined>;

/**
 * The key provider of this process: {@link LocalKeyProvider} on `LOCAL_KMS_DIR` when that variable is
 * set (`npm start`, tests), otherwise {@link KmsKeyProvider} (endpoint from `KMS_ENDPOINT` when set).
 * Creating it does no I/O.
 */
export function keyProviderFromEnv(env: Env = process.env): KeyProvider {
  const localDir = env.LOCAL_KMS_DIR;
  if (localDir) return new LocalKeyProvider(resolve(localDir));
  return new KmsKeyProvider(env.KMS_ENDPOINT ? { endpoint: env.KMS_ENDPOINT } : {});
}

/**
 * The platform key id: `PLATFORM_KMS_KEY_ID`, or `local/platform` with a local provider. Deployed
 * without the variable it is a configuration error (thrown on first use, not on import).
 */
export function platformKeyIdFromEnv(provider: KeyProvider, env: Env = process.env): string {
  const configured = env.PLATFORM_KMS_KEY_ID;
  if (configured) return configured;
  if (provider instanceof LocalKeyProvider) return LOCAL_PLATFORM_KEY_ID;
  throw new CryptoConfigurationError('environment variable PLATFORM_KMS_KEY_ID is not set');
}
