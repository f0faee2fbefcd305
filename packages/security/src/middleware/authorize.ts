import type { MiddlewareObj } from '@middy/core';
import {
  ForbiddenError,
  NotFoundError,
  OrganizationSuspendedError,
  type TenantryError,
  UnauthenticatedError,
} from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { organizationStore, securityConfig } from '../config';
import type { SecurityContext } from '../context';
import { logger } from '../logger';
import type { PrefetchKey } from '../organization';
import { type Action, type DecisionPrincipal, type DenyCode, decide, permissions } from '../permissions';
import type { Principal } from '../principal';
import type { StackRequest } from './httpResponse';
import { awaitRateLimit } from './rateLimit';
import type { RequestState, StackContext } from './state';

const ERRORS: Record<DenyCode, () => TenantryError> = {
  UNAUTHENTICATED: () => new UnauthenticatedError(),
  NOT_FOUND: () => new NotFoundError(),
  FORBIDDEN: () => new ForbiddenError(),
  ORGANIZATION_SUSPENDED: () => new OrganizationSuspendedError(),
};

function decisionPrincipal(principal: Principal): DecisionPrincipal {
  return principal.kind === 'user'
    ? { kind: 'user', groups: principal.groups }
    : { kind: 'application', organizationId: principal.organizationId, scopes: principal.scopes };
}

/** A syntactically plausible id; anything else cannot exist, so it is a 404 without a read. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface AuthorizeOptions {
  action: Action;
  /** The path parameter that holds the organization id (default `orgId`). */
  organizationParam: string;
  /** The route's items read with the organization (see `RouteOptions.prefetch`). */
  prefetch?: (organizationId: string, params: Readonly<Record<string, string>>) => PrefetchKey[];
}

/**
 * Layers 1–3 after authentication. Organization-scoped actions read the organization and the
 * caller's membership in ONE BatchGetItem; application-level actions read the key's organization
 * (its status decides, contract §6); user-level actions read nothing. Then
 * apply the pure decision of `permissions.ts`. Each deny is logged with its reason, the principal
 * and the organization; each grant through a platform group records a `platform.access` event in the outbox first.
 */
export function authorize(
  options: AuthorizeOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const { action } = options;
  const rule = permissions[action];

  const before = async (request: StackRequest): Promise<void> => {
    const state: RequestState = request.context.tenantry!;
    const principal = state.principal!;
    const platformGroups = principal.kind === 'user' ? principal.groups : [];
    const refuse = (deny: DenyCode, reason: string, organizationId?: string): never => {
      logger.warn('access denied', {
        layer: 'authorization',
        action,
        reason,
        deny,
        principal: `${principal.kind}:${principal.id}`,
        organizationId,
      });
      throw ERRORS[deny]();
    };

    if (rule.scope === 'application') {
      // An API key acting on itself: its own organization must exist and be ACTIVE (one read, no membership).
      const organization =
        principal.kind === 'application'
          ? (await organizationStore().load(principal.organizationId, undefined)).organization
          : undefined;
      const decision = decide(action, { principal: decisionPrincipal(principal), organization });
      if (!decision.allowed) return refuse(decision.deny, decision.reason);
      // Unreachable after an allow (decide requires both); kept so the types need no assertion.
      if (principal.kind !== 'application' || !organization) return refuse('UNAUTHENTICATED', 'no key organization');
      state.security = {
        scope: 'application',
        action,
        requestId: state.requestId,
        platformGroups,
        principal,
        organizationId: principal.organizationId,
        organization,
        access: 'application',
      };
      return;
    }

    if (rule.scope === 'user') {
      const decision = decide(action, { principal: decisionPrincipal(principal) });
      if (!decision.allowed) return refuse(decision.deny, decision.reason);
      state.security = {
        scope: 'user',
        action,
        requestId: state.requestId,
        platformGroups,
        principal,
        access: decision.access,
      } as SecurityContext;
      return;
    }

    const organizationId = state.params[options.organizationParam];
    if (!organizationId || !ID.test(organizationId)) return refuse('NOT_FOUND', 'invalid organization id');
    const { organization, membership, prefetched } = await organizationStore().load(
      organizationId,
      principal.kind === 'user' ? principal.id : undefined,
      options.prefetch?.(organizationId, state.params),
    );
    const decision = decide(action, {
      principal: decisionPrincipal(principal),
      organizationId,
      organization,
      membership,
    });
    if (!decision.allowed) return refuse(decision.deny, decision.reason, organizationId);

    const activeMembership = membership?.status === 'ACTIVE' ? membership : undefined;
    state.security = {
      scope: 'organization',
      action,
      requestId: state.requestId,
      platformGroups,
      principal,
      organizationId,
      organization: organization!,
      membership: activeMembership,
      role: activeMembership?.role,
      baseRole: decision.role?.baseRole,
      permissions: decision.role?.permissions ?? [],
      access: decision.access as 'member' | 'platform' | 'application',
    };
    state.prefetched = prefetched ?? [];

    if (decision.access === 'platform') {
      // A request above its rate limit is refused before it writes anything (the audit event included).
      await awaitRateLimit(state);
      logger.info('platform access', {
        action,
        principal: `user:${principal.id}`,
        organizationId,
        groups: platformGroups,
      });
      // Recorded before the answer: a staff read that cannot be audited is refused (503).
      await securityConfig().eventOutbox.record([
        {
          type: 'platform.access',
          organizationId,
          actor: { kind: 'platform', id: principal.id },
          data: { action, operation: state.operation, groups: [...platformGroups], requestId: state.requestId },
        },
      ]);
    }
  };
  return { before };
}
