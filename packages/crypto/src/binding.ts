import { InvalidBindingError } from './errors';

/**
 * What a sealed value belongs to. All three parts are bound into the AES-GCM associated data, so a
 * value sealed for one organization, entity or field never opens for another.
 *
 * @example
 * const binding: FieldBinding = { organizationId, entity: `application/${appId}`, field: `secret/${name}` };
 */
export interface FieldBinding {
  organizationId: string;
  /** The record the value lives in, e.g. `application/<appId>`. */
  entity: string;
  /** The attribute of that record, e.g. `secret/<name>`. */
  field: string;
}

/** Longest accepted part of a binding, in UTF-16 code units. */
export const MAX_BINDING_PART_LENGTH = 1024;

/** The header of every envelope of format version 1; it is part of the associated data too. */
export const ENVELOPE_V1 = 'tnt:v1';

function checkPart(name: keyof FieldBinding, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidBindingError(`binding ${name} must be a non-empty string`);
  }
  if (value.length > MAX_BINDING_PART_LENGTH) {
    throw new InvalidBindingError(`binding ${name} is longer than ${MAX_BINDING_PART_LENGTH} characters`);
  }
  return value;
}

/** Throws {@link InvalidBindingError} unless every part is a non-empty string of bounded length. */
export function assertBinding(binding: FieldBinding): void {
  checkPart('organizationId', binding?.organizationId);
  checkPart('entity', binding?.entity);
  checkPart('field', binding?.field);
}

/**
 * The associated data of an envelope: the UTF-8 bytes of the JSON array
 * `["tnt:v1", organizationId, entity, field]`. JSON string escaping makes it unambiguous (no choice
 * of separator characters inside ids can make two different bindings produce the same bytes).
 */
export function associatedData(binding: FieldBinding, version: string = ENVELOPE_V1): Buffer {
  assertBinding(binding);
  return Buffer.from(JSON.stringify([version, binding.organizationId, binding.entity, binding.field]), 'utf8');
}

/**
 * The KMS encryption context of an organization's data key. KMS binds it to the encrypted data key:
 * decrypting with another organization's id fails.
 */
export function organizationContext(organizationId: string): Record<string, string> {
  return { organizationId: checkPart('organizationId', organizationId) };
}

/**
 * Canonical JSON of an encryption context (keys sorted, string values only): the associated data the
 * local provider and the KMS test stand-in bind to a wrapped data key. Order of keys never matters,
 * exactly as with KMS.
 */
export function canonicalContext(context: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(context).sort()) {
    const value = context[key];
    if (typeof value !== 'string') throw new InvalidBindingError(`encryption context value ${key} must be a string`);
    sorted[key] = value;
  }
  return JSON.stringify(sorted);
}
