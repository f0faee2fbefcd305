export { documentClient } from './client';
export { type ItemKey, membershipKey, organizationKey, organizationPk } from './keys';
export { tables } from './tables';
