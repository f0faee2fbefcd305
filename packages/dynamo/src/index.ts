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
  usageKey,
} from './keys';
export { type Item, type Page, type PageRequest, queryAll, queryPage } from './query';
export {
  type ApiKeyRecord,
  type ApiKeySlot,
  apiKeyItem,
  type EmailClaim,
  emailClaimItem,
  type MembershipRecord,
  membershipItem,
} from './records';
export { tables } from './tables';
export { type TransactionOptions, type TransactionOutcome, transactWrite } from './transactions';
