import { type FieldError, InternalError } from '@tenantry/errors';
import { type OperationId, operations, validateRequest } from '@tenantry/models';

/** What the security stack needs of an operation in `@tenantry/models` `operations`. */
export interface OperationInfo {
  method: string;
  path: string;
  service?: string;
  auth?: unknown;
  successStatus?: number;
  /** Honour `Idempotency-Key` (creates). */
  idempotent?: boolean;
}

export type RequestPart = 'body' | 'query' | 'path';

export type ValidationResult<T = unknown> = { ok: true; value: T } | { ok: false; details: FieldError[] };

/**
 * The interface of `@tenantry/models` the stack depends on: validators precompiled from `schemas/`
 * at build time, and the operation table. No schema is written in this package.
 */
export interface ModelsAdapter {
  validateRequest(operationId: string, part: RequestPart, input: unknown): ValidationResult;
  operations: Readonly<Record<string, OperationInfo>>;
}

/** The generated models: the default adapter of every route. */
export const generatedModels: ModelsAdapter = {
  operations,
  validateRequest(operationId, part, input) {
    if (!Object.hasOwn(operations, operationId)) {
      throw new InternalError(undefined, { cause: new Error(`unknown operation ${operationId}`) });
    }
    return validateRequest(operationId as OperationId, part, input) as ValidationResult;
  },
};
