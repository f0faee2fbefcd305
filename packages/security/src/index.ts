/**
 * `@tenantry/security`: the three-layer defense (platform, organization, action) and the shared
 * Middy middleware stack of every Tenantry route. See README.md.
 */
export {
  API_KEY_PREFIX,
  API_KEY_RANDOM_BYTES,
  API_KEY_SHOWN_LENGTH,
  type ApiKeyResolverOptions,
  apiKeyPrefix,
  apiKeyResolver,
  hashApiKey,
  isApiKeyFormat,
  keyVerifies,
  LAST_USED_RESOLUTION_MS,
  sameKeyHash,
} from './api-keys';
export { configureSecurity, resetSecurityConfig, type SecurityOptions } from './config';
export {
  type ApplicationSecurityContext,
  actorOf,
  type ContextFor,
  type OrganizationSecurityContext,
  type SecurityContext,
  type TenantScope,
  type UserSecurityContext,
} from './context';
export { IDEMPOTENCY_HEADER, IDEMPOTENCY_TTL_SECONDS, type ReplayProtection } from './idempotency';
export {
  type CognitoSettings,
  cognitoSettingsFromEnv,
  cognitoUserResolver,
  createTokenVerifier,
  type TokenVerifier,
  verifyBearer,
} from './jwt';
export { logger } from './logger';
export { type RouteResult, SECURITY_HEADERS } from './middleware/httpResponse';
export {
  generatedModels,
  type ModelsAdapter,
  type OperationInfo,
  type RequestPart,
  type ValidationResult,
} from './models';
export {
  cachedOrganizationStore,
  dynamoOrganizationStore,
  type LoadedOrganization,
  type MembershipRecord,
  type OrganizationRecord,
  type OrganizationStore,
  type PrefetchKey,
} from './organization';
export {
  ACTIONS,
  type Action,
  API_KEY_SCOPES,
  type ApplicationAction,
  acceptsApplications,
  acceptsUsers,
  builtInRole,
  CUSTOM_ROLE_BASE_ROLES,
  CUSTOM_ROLE_PERMISSIONS,
  type CustomRoles,
  type Decision,
  decide,
  holds,
  isAction,
  isKeyScope,
  isOrganizationRole,
  isPermission,
  isPlatformGroup,
  isRoleBelow,
  KEY_SCOPES,
  type KeyScope,
  mayAssign,
  mayAssignRole,
  mayChangeMemberRole,
  mayLeave,
  mayManageMember,
  ORGANIZATION_ROLES,
  ORGANIZATION_STATUSES,
  type OrganizationAction,
  type OrganizationRole,
  type OrganizationStatus,
  OWNER_ONLY_PERMISSIONS,
  PERMISSIONS,
  type Permission,
  type PermissionRule,
  PLATFORM_GROUPS,
  type PlatformGroup,
  permissions,
  permissionsOfRole,
  platformGroupsFromClaim,
  type RoleDescription,
  resolveRole,
  type StoredCustomRole,
  type UserAction,
} from './permissions';
export {
  API_KEY_HEADER,
  type ApplicationPrincipal,
  type Principal,
  type PrincipalResolver,
  type RequestHeaders,
  type UserPrincipal,
} from './principal';
export {
  type Counter,
  type CounterKind,
  type CounterStore,
  ceilingOf,
  counterKey,
  dynamoCounterStore,
  EXPIRY_GRACE_SECONDS,
  type Quota,
  quotaOf,
  rateLimitHeaders,
  rateLimitScale,
  resetRateLimitMemory,
  shardsOf,
  type Verdict,
  verdictOf,
  windowOf,
  windowStartOf,
} from './rate-limit';
export {
  type LambdaHandler,
  type PublicRouteInput,
  type PublicRouteOptions,
  publicRoute,
  type RouteInput,
  type RouteMetadata,
  type RouteOptions,
  route,
  TIMEOUT_EARLY_MS,
} from './route';
export { canAssignRole, canChangeMemberRole, canLeave, canManageMember } from './rules';
export {
  type ConditionParts,
  newOrganizationScope,
  TENANT_ATTRIBUTE,
  tenantCondition,
  tenantConditionCheck,
  tenantDelete,
  tenantPut,
  tenantTransactItems,
  tenantTransactWrite,
  tenantUpdate,
} from './tenant';
export { warmUpSecurity } from './warm-up';
