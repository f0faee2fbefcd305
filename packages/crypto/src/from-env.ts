import { resolve } from 'node:path';
import { type Config, config } from '@tenantry/config';
import type { KeyProvider } from './key-provider';
import { KmsKeyProvider } from './kms-key-provider';
import { LocalKeyProvider } from './local-key-provider';

/**
 * The key provider of this process: {@link LocalKeyProvider} on `LOCAL_KMS_DIR` when that variable is
 * set (`npm start`, tests), otherwise {@link KmsKeyProvider} (endpoint from `KMS_ENDPOINT` when set).
 * Creating it does no I/O.
 */
export function keyProviderFromEnv(
  settings: Partial<Pick<Config, 'LOCAL_KMS_DIR' | 'KMS_ENDPOINT'>> = config,
): KeyProvider {
  const localDir = settings.LOCAL_KMS_DIR;
  if (localDir) return new LocalKeyProvider(resolve(localDir));
  const endpoint = settings.KMS_ENDPOINT;
  return new KmsKeyProvider(endpoint ? { endpoint } : {});
}

/**
 * The platform key id: `PLATFORM_KMS_KEY_ID`, set in every stage (`local/platform` locally). Without it
 * the first use throws the `ConfigurationError` of @tenantry/config, never on import.
 */
export function platformKeyIdFromEnv(): string {
  return config.PLATFORM_KMS_KEY_ID;
}
