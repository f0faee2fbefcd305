/**
 * Pure rules of an organization's encryption key (contract §4 "key" column, §5 `PUT
 * /organizations/{orgId}/encryption-key`): which key wraps its data key, and what may be shown of it.
 * No I/O, no AWS SDK; the use case lives in `encryption-key.ts`.
 */
import type { OrganizationEncryption } from '@tenantry/models';
import type { DataKeyRecord } from './model';

/**
 * What `GET /organizations/{orgId}` shows of the data key: the mode, and the ARN of a dedicated or
 * customer key. Never key material, never the wrapped data key, never the platform key's ARN.
 */
export function encryptionOf(dataKey: DataKeyRecord | undefined): OrganizationEncryption {
  if (!dataKey || dataKey.mode === 'platform') return { mode: 'platform' };
  return { mode: dataKey.mode, keyArn: dataKey.keyId };
}
