/**
 * @tenantry/models: every shape of the Tenantry contract, generated from schemas/ (see README.md).
 * The HTTP client is on `@tenantry/models/client`, the OpenAPI document on `@tenantry/models/openapi`.
 */
export { type OperationId, type OperationInfo, type OperationTypes, operations } from '../generated/operations';
export * from '../generated/types';
export {
  type RequestPart,
  toDetails,
  type ValidationResult,
  validateEvent,
  validateRequest,
  validateSchema,
} from './validate';
