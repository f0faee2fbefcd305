import type { Actor } from '@tenantry/models';
import type { MembershipRecord, OrganizationRecord } from './organization';
import type {
  Access,
  Action,
  ApplicationRule,
  OrganizationRole,
  OrganizationRule,
  Permission,
  PlatformGroup,
  permissions,
  UserRule,
} from './permissions';
import type { ApplicationPrincipal, Principal, UserPrincipal } from './principal';

/** What every write to tenant data is pinned to (see `tenant.ts`). */
export interface TenantScope {
  readonly organizationId: string;
}

interface BaseContext {
  readonly action: Action;
  readonly requestId: string;
  /** Layer 1: the platform groups of a user principal (empty for applications). */
  readonly platformGroups: readonly PlatformGroup[];
}

/** A user-level action (`organization:create`, `me:read`, …): no organization. */
export interface UserSecurityContext extends BaseContext {
  readonly scope: 'user';
  readonly principal: UserPrincipal;
  /** `user` for actions open to every user, `platform` when a platform group granted it. */
  readonly access: 'user' | 'platform';
}

/** An organization-scoped action: layers 2 and 3 passed for `organizationId` (from the path only). */
export interface OrganizationSecurityContext extends BaseContext, TenantScope {
  readonly scope: 'organization';
  readonly principal: Principal;
  readonly organization: OrganizationRecord;
  /** The caller's ACTIVE membership, when there is one (platform staff and API keys may have none). */
  readonly membership: MembershipRecord | undefined;
  /**
   * The key of the caller's role, if a member: a built-in role's name or a custom role's key (contract
   * §9). Pass the context to the §2 helpers of `rules.ts`; never compare it yourself.
   */
  readonly role: string | undefined;
  /** The rank of that role for the §2 rules (a custom role's base role); undefined if not a member or the role no longer exists. */
  readonly baseRole: OrganizationRole | undefined;
  /** The permissions that role holds (empty if not a member or the role no longer exists). */
  readonly permissions: readonly Permission[];
  /** How access was granted: as a member, as platform staff (audited), or as an API key. */
  readonly access: Exclude<Access, 'user'>;
}

/** An API key acting on itself (`applications:self`): its organization, read by layer 2, is ACTIVE. */
export interface ApplicationSecurityContext extends BaseContext, TenantScope {
  readonly scope: 'application';
  readonly principal: ApplicationPrincipal;
  /** The key's organization (ACTIVE, or the request was refused 401). */
  readonly organization: OrganizationRecord;
  readonly access: 'application';
}

export type SecurityContext = UserSecurityContext | OrganizationSecurityContext | ApplicationSecurityContext;

/**
 * The actor of the domain events a request causes (contract §7): `platform` when a platform group
 * granted the action (staff), else the principal itself (`user` or `application`).
 */
export function actorOf(context: SecurityContext): Actor {
  return { kind: context.access === 'platform' ? 'platform' : context.principal.kind, id: context.principal.id };
}

/** The context type a route's handler receives for its action. */
export type ContextFor<A extends Action> = (typeof permissions)[A] extends OrganizationRule
  ? OrganizationSecurityContext
  : (typeof permissions)[A] extends UserRule
    ? UserSecurityContext
    : (typeof permissions)[A] extends ApplicationRule
      ? ApplicationSecurityContext
      : never;
