export { documentClient, forbidScans, ScanForbiddenError } from './client';
export { type ItemKey, membershipByUserKey, membershipKey, organizationKey, organizationPk, usageKey } from './keys';
export { type MembershipRecord, membershipItem, type OrganizationRole } from './records';
export { tables } from './tables';
export { type TransactionOptions, type TransactionOutcome, transactWrite } from './transactions';
