/**
 * `PUT /organizations/{orgId}/encryption-key` (spec §4, §5): an ENTERPRISE organization chooses
 * which master key wraps its data key: the platform key, a KMS key created for it (`dedicated`), or
 * its own key (`byok`). The data key itself never changes: it is re-wrapped (KMS `ReEncrypt`) under
 * the new key, so every value sealed before stays readable. Before anything is stored the new
 * wrapping is proven usable: a probe sealed with the old record must open with the new one (an
 * encrypt and a decrypt under the new key with the organization's context). A customer key that
 * fails any step answers 400 and nothing changes; every plan but ENTERPRISE answers 403.
 *
 * No AWS SDK here: the key work is `@tenantry/crypto`'s, the write is the repository's.
 */
import { randomUUID } from 'node:crypto';
import { CryptoError, type FieldBinding } from '@tenantry/crypto';
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  OrganizationSuspendedError,
  ValidationFailedError,
} from '@tenantry/errors';
import type { EventPublisher } from '@tenantry/events';
import type { OrganizationEncryption, Plan, SetEncryptionKeyRequest } from '@tenantry/models';
import type { OrganizationSecurityContext, TenantScope } from '@tenantry/security';
import { encryptionOf } from './encryption';
import type { DataKeyRecord, OrganizationState, OrganizationView, UsageState } from './model';
import { toView } from './rules';

/** Where the data key should go (`@tenantry/crypto` `KeyChoice`). */
export interface KeyTarget {
  keyArn?: string;
  dedicated?: boolean;
}

/** The slice of `@tenantry/crypto`'s `OrganizationKeys` this use case needs. */
export interface EncryptionKeyService {
  rewrapOrganizationKey(
    organizationId: string,
    record: DataKeyRecord,
    plan: Plan,
    choice?: KeyTarget,
  ): Promise<DataKeyRecord>;
  provisionDedicatedKey(organizationId: string): Promise<string>;
  seal(record: DataKeyRecord, binding: FieldBinding, plaintext: string): Promise<string>;
  openText(record: DataKeyRecord, binding: FieldBinding, sealed: string): Promise<string>;
  forgetOrganization(organizationId: string): void;
}

export interface EncryptionKeyRepository {
  /**
   * Stores `next` in place of `expected`, conditional on the organization still being ACTIVE,
   * ENTERPRISE and wrapped exactly as `expected`; `'changed'` otherwise.
   */
  replaceDataKey(
    scope: TenantScope,
    expected: DataKeyRecord,
    next: DataKeyRecord,
    now: Date,
  ): Promise<OrganizationState | 'changed'>;
  find(organizationId: string): Promise<OrganizationState | undefined>;
  usageOf(organizationId: string): Promise<UsageState | undefined>;
}

export interface EncryptionKeyDependencies {
  keys: EncryptionKeyService;
  store: EncryptionKeyRepository;
  events: EventPublisher;
  now: () => Date;
}

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
  keys: EncryptionKeyService,
  organizationId: string,
  from: DataKeyRecord,
  to: DataKeyRecord,
): Promise<void> {
  const probe = randomUUID();
  const sealed = await keys.seal(from, PROBE_BINDING(organizationId), probe);
  if ((await keys.openText(to, PROBE_BINDING(organizationId), sealed)) !== probe) throw new ProbeFailedError();
}

export async function setEncryptionKey(
  deps: EncryptionKeyDependencies,
  context: OrganizationSecurityContext,
  body: SetEncryptionKeyRequest,
): Promise<OrganizationView> {
  const organization = context.organization as unknown as OrganizationState;
  const organizationId = context.organizationId;
  if (organization.plan !== 'ENTERPRISE') {
    throw new ForbiddenError('Only ENTERPRISE organizations may choose their encryption key');
  }
  const wanted = targetMode(body);
  const current = organization.dataKey;
  if (!current)
    throw new InternalError(undefined, { cause: new Error(`organization ${organizationId} has no data key`) });
  const before = encryptionOf(current);
  if (alreadyIn(before, wanted)) return toView(organization, await deps.store.usageOf(organizationId));

  let next: DataKeyRecord;
  try {
    const target: KeyTarget =
      wanted.mode === 'platform'
        ? {}
        : wanted.mode === 'dedicated'
          ? { keyArn: await deps.keys.provisionDedicatedKey(organizationId), dedicated: true }
          : { keyArn: wanted.keyArn };
    next = await deps.keys.rewrapOrganizationKey(organizationId, current, 'ENTERPRISE', target);
    await prove(deps.keys, organizationId, current, next);
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
  const stored = await deps.store.replaceDataKey(context, current, next, now);
  if (stored === 'changed') {
    const found = await deps.store.find(organizationId);
    if (!found || found.status === 'DELETED') throw new NotFoundError();
    if (found.status === 'SUSPENDED') throw new OrganizationSuspendedError();
    if (found.plan !== 'ENTERPRISE')
      throw new ForbiddenError('Only ENTERPRISE organizations may choose their encryption key');
    throw new ConflictError('The organization key changed concurrently; retry');
  }
  deps.keys.forgetOrganization(organizationId);
  const after = encryptionOf(stored.dataKey);
  await deps.events.publish([
    {
      type: 'organization.key_changed',
      organizationId,
      actor: { kind: context.access === 'platform' ? 'platform' : 'user', id: context.principal.id },
      data: { from: before, to: after },
    },
  ]);
  return toView(stored, await deps.store.usageOf(organizationId));
}
