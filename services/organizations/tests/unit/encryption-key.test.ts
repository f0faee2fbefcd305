// setEncryptionKey with fakes for the key service and the repository: the probe that proves the new
// wrapping comes from the dependencies (domain/ makes no randomness of its own).
import { describe, expect, it } from '@jest/globals';
import type { FieldBinding } from '@tenantry/crypto';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { setEncryptionKey } from '../../src/domain/encryption-key';
import type { DataKeyRecord, OrganizationState } from '../../src/domain/model';
import type { Dependencies } from '../../src/domain/ports';

const platformKey: DataKeyRecord = { keyId: 'local/platform', encryptedDataKey: 'AAAA', mode: 'platform' };
const organization: OrganizationState = {
  id: 'org_1',
  name: 'Acme',
  slug: 'acme',
  status: 'ACTIVE',
  plan: 'ENTERPRISE',
  ownerId: 'u1',
  metadata: {},
  dataKey: platformKey,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};
const ownerContext = {
  scope: 'organization',
  action: 'organization:encryption_key',
  principal: { kind: 'user', id: 'u1', email: 'u1@example.test', emailVerified: true, groups: [] },
  organizationId: 'org_1',
  organization,
  role: 'OWNER',
  access: 'member',
} as unknown as OrganizationSecurityContext;

describe('setEncryptionKey', () => {
  it("proves the new wrapping with a probe made by the dependencies' random", async () => {
    const sealed: string[] = [];
    const dedicated: DataKeyRecord = {
      keyId: 'arn:aws:kms:key/dedicated',
      encryptedDataKey: 'BBBB',
      mode: 'dedicated',
    };
    const deps = {
      keys: {
        provisionDedicatedKey: async () => dedicated.keyId,
        rewrapOrganizationKey: async () => dedicated,
        seal: async (_record: DataKeyRecord, _binding: FieldBinding, plaintext: string) => {
          sealed.push(plaintext);
          return `sealed:${plaintext}`;
        },
        openText: async (_record: DataKeyRecord, _binding: FieldBinding, text: string) => text.slice('sealed:'.length),
        forgetOrganization: () => undefined,
      },
      organizations: {
        replaceDataKey: async () => ({ ...organization, dataKey: dedicated }),
        usageOf: async () => undefined,
      },
      now: () => new Date('2025-01-02T00:00:00.000Z'),
      random: () => 'probe-from-deps',
    } as unknown as Dependencies;

    const view = await setEncryptionKey(deps, ownerContext, { mode: 'dedicated' });

    expect(sealed).toEqual(['probe-from-deps']);
    expect(view.encryption).toEqual({ mode: 'dedicated', keyArn: dedicated.keyId });
  });
});
