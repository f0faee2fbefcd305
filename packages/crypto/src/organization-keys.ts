import { type FieldBinding, organizationContext } from './binding';
import { DataKeyCache, type DataKeyCacheOptions, type DataKeyRef } from './data-key-cache';
import { openField, type Plaintext, sealField } from './envelope';
import { CryptoConfigurationError, InvalidBindingError, PlanNotEligibleError } from './errors';
import { keyProviderFromEnv, platformKeyIdFromEnv } from './from-env';
import type { KeyProvider } from './key-provider';

/** The plans of contract §4. Only ENTERPRISE may use a dedicated key or its own key (BYOK). */
export type Plan = 'STARTER' | 'PRO' | 'ENTERPRISE';

/** `platform`: the platform key with the organization as context; `dedicated`: a platform-owned key for this organization only; `byok`: the customer's key. */
export type KeyMode = 'platform' | 'dedicated' | 'byok';

/**
 * What the organizations service stores on the organization: the master key id, the data key wrapped
 * under it (base64) and the mode. Deleting `encryptedDataKey` (purge) makes every value sealed for the
 * organization unreadable; call {@link OrganizationKeys.forgetOrganization} as well.
 */
export interface OrganizationKeyRecord {
  keyId: string;
  encryptedDataKey: string;
  mode: KeyMode;
}

/** Where an organization's data key should be wrapped. No `keyArn`: the platform key. */
export interface KeyChoice {
  /** A KMS key ARN (or `local/…` with the local provider). ENTERPRISE only. */
  keyArn?: string;
  /** The ARN names a platform-owned key dedicated to this organization, not a customer key. */
  dedicated?: boolean;
}

/** Options of {@link OrganizationKeys}. */
export interface OrganizationKeysOptions {
  /** Default: {@link keyProviderFromEnv}, created on first use. */
  provider?: KeyProvider;
  /** Default: env `PLATFORM_KMS_KEY_ID`. */
  platformKeyId?: string;
  cache?: DataKeyCacheOptions;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const LOCAL_KEY_ID = /^local\/[A-Za-z0-9._/-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeRecordBlob(record: OrganizationKeyRecord): Uint8Array {
  const text = record?.encryptedDataKey;
  if (typeof text !== 'string' || !BASE64.test(text)) {
    throw new CryptoConfigurationError('organization key record has no valid encryptedDataKey');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text)
    throw new CryptoConfigurationError('organization key record is not canonical base64');
  if (typeof record.keyId !== 'string' || record.keyId.length === 0) {
    throw new CryptoConfigurationError('organization key record has no keyId');
  }
  return new Uint8Array(bytes);
}

/**
 * Per-organization envelope encryption: creates and re-wraps each organization's data key, and seals
 * and opens field values with it. Decrypted data keys are cached for at most 5 minutes per
 * organization + key id + encrypted blob; concurrent misses for one key share one provider call.
 * Construction does no I/O and no AWS call.
 *
 * @example
 * const keys = new OrganizationKeys();
 * const record = await keys.createOrganizationKey(orgId, 'STARTER'); // store on the organization
 * const binding = { organizationId: orgId, entity: `application/${appId}`, field: `secret/${name}` };
 * const sealed = await keys.seal(record, binding, 'sk_live_…');
 * const value = await keys.openText(record, binding, sealed);
 */
export class OrganizationKeys {
  readonly cache: DataKeyCache;
  readonly #options: OrganizationKeysOptions;
  #provider: KeyProvider | undefined;
  #platformKeyId: string | undefined;
  readonly #inflight = new Map<string, Promise<void>>();
  /** Bumped by every forget: a decryption that was in flight then is not cached. */
  #epoch = 0;

  constructor(options: OrganizationKeysOptions = {}) {
    this.#options = options;
    this.#provider = options.provider;
    this.cache = new DataKeyCache(options.cache);
  }

  get provider(): KeyProvider {
    this.#provider ??= keyProviderFromEnv();
    return this.#provider;
  }

  get platformKeyId(): string {
    this.#platformKeyId ??= this.#options.platformKeyId ?? platformKeyIdFromEnv();
    return this.#platformKeyId;
  }

  /**
   * A new data key for an organization, wrapped under the platform key (STARTER, PRO, or ENTERPRISE by
   * default) or, for ENTERPRISE only, under a dedicated key or the customer's key (`keyArn`). The
   * organization id is the KMS encryption context. Returns what the organizations service stores.
   */
  async createOrganizationKey(
    organizationId: string,
    plan: Plan,
    choice: KeyChoice = {},
  ): Promise<OrganizationKeyRecord> {
    const context = organizationContext(organizationId);
    const target = this.#target(plan, choice);
    const generated = await this.provider.generateDataKey({ keyId: target.keyId, context });
    generated.plaintext.fill(0);
    return {
      keyId: generated.keyId,
      encryptedDataKey: Buffer.from(generated.encrypted).toString('base64'),
      mode: target.mode,
    };
  }

  /**
   * Moves an organization's data key under another master key (BYOK on, BYOK key change, or back to
   * the platform key on a downgrade) with the same context: decrypt under the old key, encrypt under the
   * new (KMS `ReEncrypt`). The data key is unchanged, so every value sealed before still opens with the
   * returned record. Store the returned record in place of the old one.
   */
  async rewrapOrganizationKey(
    organizationId: string,
    record: OrganizationKeyRecord,
    plan: Plan,
    choice: KeyChoice = {},
  ): Promise<OrganizationKeyRecord> {
    const context = organizationContext(organizationId);
    const encrypted = decodeRecordBlob(record);
    const target = this.#target(plan, choice);
    if (target.keyId === record.keyId) return { ...record, mode: target.mode };
    const rewrapped = await this.provider.reEncryptDataKey({
      fromKeyId: record.keyId,
      toKeyId: target.keyId,
      encrypted,
      context,
    });
    this.cache.delete(this.#ref(organizationId, record));
    return {
      keyId: rewrapped.keyId,
      encryptedDataKey: Buffer.from(rewrapped.encrypted).toString('base64'),
      mode: target.mode,
    };
  }

  /**
   * Creates a master key dedicated to the organization (ENTERPRISE `dedicated` mode) and answers
   * its id, to pass as `{ keyArn, dedicated: true }` to {@link OrganizationKeys.rewrapOrganizationKey}.
   */
  async provisionDedicatedKey(organizationId: string): Promise<string> {
    organizationContext(organizationId);
    const provider = this.provider;
    if (!provider.createKey) throw new CryptoConfigurationError('this key provider cannot create dedicated keys');
    const { keyId } = await provider.createKey({
      organizationId,
      description: `Tenantry data key wrapping key of organization ${organizationId}`,
    });
    return keyId;
  }

  /** Seals `plaintext` for `binding` under the data key of `binding.organizationId` (see {@link sealField}). */
  async seal(record: OrganizationKeyRecord, binding: FieldBinding, plaintext: Plaintext): Promise<string> {
    return this.#withDataKey(record, binding, (dataKey) => sealField(dataKey, binding, plaintext));
  }

  /** Opens a value sealed by {@link OrganizationKeys.seal}; throws a `CryptoError` for any other binding or any alteration. */
  async open(record: OrganizationKeyRecord, binding: FieldBinding, sealed: string): Promise<Uint8Array> {
    return this.#withDataKey(record, binding, (dataKey) => openField(dataKey, binding, sealed));
  }

  /** {@link OrganizationKeys.open} decoded as UTF-8. */
  async openText(record: OrganizationKeyRecord, binding: FieldBinding, sealed: string): Promise<string> {
    return Buffer.from(await this.open(record, binding, sealed)).toString('utf8');
  }

  /**
   * Drops (and zeroes) every cached data key of the organization, and keeps decryptions in flight from
   * being cached. Call it when the organization's data key is destroyed (purge) or its key changes.
   */
  forgetOrganization(organizationId: string): void {
    this.#epoch += 1;
    this.cache.forgetOrganization(organizationId);
  }

  #target(plan: Plan, choice: KeyChoice): { keyId: string; mode: KeyMode } {
    if (plan !== 'STARTER' && plan !== 'PRO' && plan !== 'ENTERPRISE') {
      throw new CryptoConfigurationError(`unknown plan ${String(plan)}`);
    }
    if (choice.keyArn === undefined) {
      if (choice.dedicated) throw new CryptoConfigurationError('a dedicated key needs its keyArn');
      return { keyId: this.platformKeyId, mode: 'platform' };
    }
    if (plan !== 'ENTERPRISE') {
      throw new PlanNotEligibleError('only ENTERPRISE organizations may use a dedicated or their own key');
    }
    const keyArn = choice.keyArn;
    if (typeof keyArn !== 'string' || !(KMS_KEY_ARN.test(keyArn) || LOCAL_KEY_ID.test(keyArn))) {
      throw new CryptoConfigurationError('keyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
    }
    if (keyArn === this.platformKeyId) {
      throw new CryptoConfigurationError('a dedicated or customer key must not be the platform key');
    }
    return { keyId: keyArn, mode: choice.dedicated ? 'dedicated' : 'byok' };
  }

  #ref(organizationId: string, record: OrganizationKeyRecord): DataKeyRef {
    return { organizationId, keyId: record.keyId, encryptedDataKey: record.encryptedDataKey };
  }

  /**
   * Runs `use` synchronously with the organization's data key: either a cache entry read in the same
   * tick (so no eviction can zero it mid-use) or this call's own decrypted copy, zeroed afterwards.
   */
  async #withDataKey<T>(
    record: OrganizationKeyRecord,
    binding: FieldBinding,
    use: (dataKey: Uint8Array) => T,
  ): Promise<T> {
    if (typeof binding !== 'object' || binding === null) throw new InvalidBindingError('a binding is required');
    const context = organizationContext(binding.organizationId);
    const encrypted = decodeRecordBlob(record);
    const ref = this.#ref(binding.organizationId, record);
    const id = JSON.stringify([ref.organizationId, ref.keyId, ref.encryptedDataKey]);

    const cached = this.cache.get(ref);
    if (cached) return use(cached);
    const pending = this.#inflight.get(id);
    if (pending) {
      await pending;
      const shared = this.cache.get(ref);
      if (shared) return use(shared);
    }

    const epoch = this.#epoch;
    const decrypting = this.provider.decryptDataKey({ keyId: record.keyId, encrypted, context });
    if (this.cache.enabled) {
      const settled = decrypting.then(
        () => undefined,
        () => undefined,
      );
      this.#inflight.set(id, settled);
      settled.finally(() => {
        if (this.#inflight.get(id) === settled) this.#inflight.delete(id);
      });
    }
    const dataKey = await decrypting;
    try {
      if (epoch === this.#epoch) this.cache.set(ref, dataKey);
      return use(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }
}

let shared: OrganizationKeys | undefined;

/** The {@link OrganizationKeys} of this process, configured from the environment on first use. */
export function organizationKeys(): OrganizationKeys {
  shared ??= new OrganizationKeys();
  return shared;
}
