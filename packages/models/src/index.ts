/**
 * @tenantry/models: every shape of the Tenantry contract, generated from schemas/ (see README.md), and
 * the few hand-written shapes domain code shares with the data layer (`./records`: pages, memberships),
 * and `newId`, the one maker of ids (`./ids`).
 * The HTTP client is on `@tenantry/models/client`, the OpenAPI document on `@tenantry/models/openapi`.
 */
export { type OperationId, type OperationInfo, type OperationTypes, operations } from '../generated/operations';
export * from '../generated/types';
export { type IdPrefix, type NewId, newId } from './ids';
export type { MembershipRecord, Page, PageQuery } from './records';
export {
  type RequestPart,
  toDetails,
  type ValidationResult,
  validateEvent,
  validateRequest,
  validateSchema,
} from './validate';
