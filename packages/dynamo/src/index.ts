// Shared with domain code, which may not import this package: declared once in @tenantry/models.
export type { MembershipRecord, Page, PageQuery } from '@tenantry/models';
export { type BatchGetOptions, type BatchRequestItems, batchGetAll, batchWriteAll, type WriteRequest } from './batch';
export { documentClient, forbidScans, ScanForbiddenError } from './client';
export { isConditionFailure } from './conditions';
export { type CursorShape, decodeCursor, encodeCursor, invalidCursor, type StartKey } from './cursor';
export {
  APPLICATION_PREFIX,
  apiKeyKey,
  applicationKey,
  emailClaimKey,
  type ItemKey,
  membershipByUserKey,
  membershipKey,
  organizationKey,
  organizationPk,
  ROLE_PREFIX,
  roleKey,
  usageKey,
} from './keys';
export { type Item, type PageRequest, queryAll, queryPage } from './query';
export {
  type ApiKeyRecord,
  apiKeyItem,
  type EmailClaim,
  emailClaimItem,
  membershipItem,
} from './records';
export { tables } from './tables';
export { type TransactionOptions, type TransactionOutcome, transactWrite } from './transactions';
