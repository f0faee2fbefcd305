/**
 * Request validation with the validators compiled at build time (generated/validators-*.js): no schema
 * is compiled at import or cold start.
 */
import { type OperationId, type OperationTypes, operations } from '../generated/operations';
import type { FieldError, SchemaTypes } from '../generated/types';
import type { CompiledValidator } from '../generated/validators-body';
import * as bodyValidators from '../generated/validators-body';
import * as queryValidators from '../generated/validators-query';
import * as schemaValidators from '../generated/validators-schema';

/** The part of a request to validate. Query strings and path parameters arrive as strings. */
export type RequestPart = 'body' | 'query' | 'path';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: FieldError[] };

type ValidatorError = NonNullable<CompiledValidator['errors']>[number];

const validators: Record<string, CompiledValidator | undefined> = { ...bodyValidators, ...queryValidators };

/**
 * Validates one part of a request of `operationId` against the contract.
 *
 * - `body`: the parsed JSON body. Exact JSON types, no coercion; unknown properties are rejected.
 *   An absent body (`undefined`/`null`) counts as `{}` when the operation's body is optional or absent.
 * - `query`: the query string parameters as strings (`event.queryStringParameters`, `null` allowed).
 *   Numbers and booleans are coerced (`"20"` → `20`, `"true"` → `true`) and defaults applied
 *   (`limit` → 20).
 * - `path`: the path parameters as strings.
 *
 * The input is never modified: `value` is a validated copy.
 *
 * @example
 * const result = validateRequest('createOrganization', 'body', JSON.parse(event.body));
 * if (!result.ok) throw new ValidationError(result.details); // [{ field: '/nme', message: "unknown property 'nme'" }]
 */
export function validateRequest<O extends OperationId, P extends RequestPart>(
  operationId: O,
  part: P,
  input: unknown,
): ValidationResult<OperationTypes[O][P]> {
  const operation = operations[operationId];
  const validator = validators[`${part}_${operationId}`];
  if (!operation || !validator) throw new Error(`Unknown operation ${String(operationId)}`);
  const absent = input === undefined || input === null;
  const optional = part !== 'body' || !operation.bodyRequired;
  return run<OperationTypes[O][P]>(validator, absent && optional ? {} : input);
}

/**
 * Validates any named schema of schemas/ (an entity, an enum, a body), e.g. an item read back or an
 * event received.
 */
export function validateSchema<N extends keyof SchemaTypes>(name: N, input: unknown): ValidationResult<SchemaTypes[N]> {
  const validator = (schemaValidators as Record<string, CompiledValidator | undefined>)[`schema_${name}`];
  if (!validator) throw new Error(`Unknown schema ${name}`);
  return run<SchemaTypes[N]>(validator, input);
}

/**
 * Validates a §7 domain event (`Event` of schemas/). Unlike `validateSchema('Event', …)`, a bundle
 * that uses only this one keeps only the Event validator: esbuild drops the other named schemas
 * (perf figure R3: the event consumers bundled every one of them).
 */
export function validateEvent(input: unknown): ValidationResult<SchemaTypes['Event']> {
  return run<SchemaTypes['Event']>(schemaValidators.schema_Event, input);
}

function run<T>(validator: CompiledValidator, input: unknown): ValidationResult<T> {
  let value: unknown;
  try {
    value = structuredClone(input);
  } catch {
    return { ok: false, details: [{ field: '/', message: 'must be JSON data' }] };
  }
  const valid = validator(value);
  // Coercion turns "Infinity" or "1e400" into a number that no bound catches: refused here, once.
  const details = [...(valid ? [] : toDetails(validator.errors ?? [])), ...nonFiniteNumbers(value, '')];
  if (details.length === 0) return { ok: true, value: value as T };
  return { ok: false, details };
}

/** A field error for every number that is not finite (JSON has none; a coerced query string can). */
function nonFiniteNumbers(value: unknown, field: string, seen = new Set<unknown>()): FieldError[] {
  if (typeof value === 'number')
    return Number.isFinite(value) ? [] : [{ field: field || '/', message: 'must be a finite number' }];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, pointer(field, key), seen));
}

/** A nullable reference fails twice (the reference, then null): report only the first. */
function isNullableNoise({ keyword, params }: ValidatorError): boolean {
  return keyword === 'anyOf' || (keyword === 'type' && params.type === 'null');
}

/** Field errors in a stable, readable form, one per field and message. */
export function toDetails(errors: ValidatorError[]): FieldError[] {
  const seen = new Set<string>();
  const details: FieldError[] = [];
  for (const error of errors) {
    if (isNullableNoise(error)) continue;
    const detail = toDetail(error);
    const key = `${detail.field}\n${detail.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(detail);
  }
  return details;
}

function pointer(base: string, key: unknown): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function toDetail({ instancePath, keyword, params }: ValidatorError): FieldError {
  const field = instancePath || '/';
  switch (keyword) {
    case 'additionalProperties':
      return {
        field: pointer(instancePath, params.additionalProperty),
        message: `unknown property '${params.additionalProperty}'`,
      };
    case 'required':
      return { field: pointer(instancePath, params.missingProperty), message: 'is required' };
    case 'enum':
      return { field, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'type':
      return { field, message: `must be ${String(params.type).replace(',', ' or ')}` };
    case 'maxLength':
      return { field, message: `must be at most ${params.limit} characters` };
    case 'minLength':
      return {
        field,
        message: params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`,
      };
    case 'pattern':
      return { field, message: 'has an invalid format' };
    case 'format':
      return { field, message: `must be a valid ${params.format}` };
    case 'minimum':
    case 'maximum':
      return { field, message: `must be ${keyword === 'minimum' ? '>=' : '<='} ${params.limit}` };
    case 'maxItems':
      return { field, message: `must have at most ${params.limit} items` };
    case 'minItems':
      return { field, message: `must have at least ${params.limit} items` };
    case 'uniqueItems':
      return { field, message: 'must not contain duplicates' };
    case 'maxProperties':
      return { field, message: `must have at most ${params.limit} properties` };
    case 'minProperties':
      return { field, message: 'must not be empty' };
    case 'propertyNames':
      return { field: pointer(instancePath, params.propertyName), message: 'is not an allowed property name' };
    default:
      return { field, message: `is invalid (${keyword})` };
  }
}
