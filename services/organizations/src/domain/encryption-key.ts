/**
 * `PUT /organizations/{orgId}/encryption-key` (contract §4, §5): an ENTERPRISE organization chooses
 * which master key wraps its data key: the platform key, a KMS key created for it (`dedicated`), or
 * its own key (`byok`). The data key itself never changes: it is re-wrapped (KMS `ReEncrypt`) under
 * the new key, so every value sealed before stays readable. Before anything is stored the new
 * wrapping is proven usable: a probe sealed with the old record must open with the new one (an
 * encrypt and a decrypt under the new key with the organization's context). A customer key that
 * fails any step answers 400 and nothing changes; every plan but ENTERPRISE answers 403.
 *
 * No AWS SDK here: the key work is `@tenantry/crypto`'s (`deps.keys`), the write is the organization
 * repository's (`replaceDataKey`).
 */
import { CryptoError, type FieldBinding } from '@tenantry/crypto';
import { ForbiddenError, InternalError, ValidationFailedError } from '@tenantry/errors';
import type { OrganizationEncryption, SetEncryptionKeyRequest } from '@tenantry/models';
import { actorOf, type OrganizationSecurityContext } from '@tenantry/security';
import { encryptionOf } from './encryption';
import type { DataKeyRecord, OrganizationView } from './model';
import { stateOf } from './organizations';
import type { Dependencies, KeyTarget } from './ports';
import { refusalOfWrite, toView } from './rules';

/** Thrown by a failed probe: the new wrapping did not give back the organization's data key. */
class ProbeFailedError extends Error {
  constructor() {
    super('the re-wrapped data key did not open a probe sealed with the old one');
    this.name = 'ProbeFailedError';
  }
}

const PROBE_BINDING = (organizationId: string): FieldBinding => ({
  organizationId,
  entity: 'organization',
  field: 'encryption-key-probe',
});

const notEnterprise = () => new ForbiddenError('Only ENTERPRISE organizations may choose their encryption key');

function isKeyFailure(error: unknown): boolean {
  return error instanceof CryptoError || error instanceof ProbeFailedError;
}

/** What the request asks for, checked (`keyArn` with byok only). */
function targetMode(body: SetEncryptionKeyRequest): OrganizationEncryption {
  if (body.mode === 'byok') {
    if (!body.keyArn) throw new ValidationFailedError([{ field: '/keyArn', message: 'is required with mode byok' }]);
    return { mode: 'byok', keyArn: body.keyArn };
  }
  if (body.keyArn !== undefined) {
    throw new ValidationFailedError([{ field: '/keyArn', message: `is only accepted with mode byok` }]);
  }
  return { mode: body.mode };
}

/** Already there: the same mode (and, for byok, the same key). A dedicated key is not re-created. */
function alreadyIn(current: OrganizationEncryption, wanted: OrganizationEncryption): boolean {
  return current.mode === wanted.mode && (wanted.mode !== 'byok' || current.keyArn === wanted.keyArn);
}

/** The re-wrapped record opens what the old one sealed: an encrypt and a decrypt under the new key. */
async function prove(
  deps: Pick<Dependencies, 'keys' | 'random'>,
  organizationId: string,
  from: DataKeyRecord,
  to: DataKeyRecord,
): Promise<void> {
  const probe = deps.random();
  const sealed = await deps.keys.seal(from, PROBE_BINDING(organizationId), probe);
  if ((await deps.keys.openText(to, PROBE_BINDING(organizationId), sealed)) !== probe) throw new ProbeFailedError();
}

export async function setEncryptionKey(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: SetEncryptionKeyRequest,
): Promise<OrganizationView> {
  const organization = stateOf(context);
  const organizationId = context.organizationId;
  if (organization.plan !== 'ENTERPRISE') throw notEnterprise();
  const wanted = targetMode(body);
  const current = organization.dataKey;
  if (!current)
    throw new InternalError(undefined, { cause: new Error(`organization ${organizationId} has no data key`) });
  const before = encryptionOf(current);
  if (alreadyIn(before, wanted)) return toView(organization, await deps.organizations.usageOf(organizationId));

  let next: DataKeyRecord;
  try {
    const target: KeyTarget =
      wanted.mode === 'platform'
        ? {}
        : wanted.mode === 'dedicated'
          ? { keyArn: await deps.keys.provisionDedicatedKey(organizationId), dedicated: true }
          : { keyArn: wanted.keyArn };
    next = await deps.keys.rewrapOrganizationKey(organizationId, current, 'ENTERPRISE', target);
    await prove(deps, organizationId, current, next);
  } catch (error) {
    // The customer's key (or a key we just made) cannot serve this organization: nothing is stored.
    if (wanted.mode === 'byok' && isKeyFailure(error)) {
      throw new ValidationFailedError(
        [{ field: '/keyArn', message: 'cannot be used: grant the platform Encrypt, Decrypt and ReEncrypt on it' }],
        'The key cannot be used for this organization',
        { cause: error },
      );
    }
    throw error;
  }

  const now = deps.now();
  const stored = await deps.organizations.replaceDataKey(context, current, next, now, {
    type: 'organization.key_changed',
    organizationId,
    actor: actorOf(context),
    data: { from: before, to: encryptionOf(next) },
  });
  if (stored === 'changed') {
    // Gone, suspended, no longer ENTERPRISE, or re-wrapped by a concurrent change.
    const found = await deps.organizations.find(organizationId);
    if (found?.status === 'ACTIVE' && found.plan !== 'ENTERPRISE') throw notEnterprise();
    throw refusalOfWrite(found);
  }
  deps.keys.forgetOrganization(organizationId);
  return toView(stored, await deps.organizations.usageOf(organizationId));
}
