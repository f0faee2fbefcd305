/**
 * The use cases of the organizations service. Each takes the verified security context (the
 * organization id comes from it, never from a body), hands the repository the write and its contract §7
 * event (stored together, in one transaction: the outbox), and returns the public view. No AWS SDK here.
 */

import { ConflictError, type TenantryError, ValidationFailedError } from '@tenantry/errors';
import type {
  ChangePlanRequest,
  CreateOrganizationRequest,
  OrganizationPage,
  OrganizationStatus,
  PageQuery,
  TransferOwnershipRequest,
  UpdateOrganizationRequest,
} from '@tenantry/models';
import { actorOf, type OrganizationSecurityContext, type UserSecurityContext } from '@tenantry/security';
import type { OrganizationState, OrganizationView, UsageState } from './model';
import type { Dependencies, WriteOutcome } from './ports';
import {
  assertDeletable,
  assertReactivatable,
  assertRestorable,
  assertSuspendable,
  assertTransferable,
  purgeAfterOf,
  refusalOfRestore,
  refusalOfTransfer,
  refusalOfTransition,
  refusalOfWrite,
  slugCandidate,
  slugFromName,
  statusAfterRestore,
  toView,
} from './rules';

/** Attempts at a free slug when it is made from the name (an explicit slug gets exactly one). */
const DERIVED_SLUG_ATTEMPTS = 5;

/** The organization the security layer loaded (strongly consistent, this request). */
export function stateOf(context: OrganizationSecurityContext): OrganizationState {
  return context.organization as unknown as OrganizationState;
}

async function view(deps: Dependencies, organization: OrganizationState): Promise<OrganizationView> {
  return toView(organization, await deps.organizations.usageOf(organization.id));
}

/** The organization a conditional write returned, or the refusal that explains its `'changed'` from what is there now. */
async function written(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  outcome: WriteOutcome,
  refusal: (current: OrganizationState | undefined) => TenantryError,
): Promise<OrganizationState> {
  if (outcome !== 'changed') return outcome;
  throw refusal(await deps.organizations.find(context.organizationId));
}

export async function createOrganization(
  deps: Dependencies,
  context: UserSecurityContext,
  body: CreateOrganizationRequest,
): Promise<OrganizationView> {
  const id = deps.newId('org');
  const plan = 'STARTER' as const;
  // The data key first: a KMS failure leaves nothing behind, and the transaction stores it with the org.
  const dataKey = await deps.keys.createOrganizationKey(id, plan);
  const base = body.slug ?? slugFromName(body.name);
  const attempts = body.slug ? 1 : DERIVED_SLUG_ATTEMPTS;
  const usage: UsageState = { seats: 1, activeMembers: 1, applications: 0 };

  for (let attempt = 0; ; attempt++) {
    const now = deps.now().toISOString();
    const organization: OrganizationState = {
      id,
      name: body.name,
      slug: slugCandidate(base, attempt, deps.random),
      status: 'ACTIVE',
      plan,
      ownerId: context.principal.id,
      metadata: {},
      createdAt: now,
      updatedAt: now,
      dataKey,
    };
    const outcome = await deps.organizations.create(
      organization,
      usage,
      { userId: context.principal.id, email: context.principal.email },
      {
        type: 'organization.created',
        organizationId: id,
        actor: actorOf(context),
        data: { name: organization.name, slug: organization.slug, plan, ownerId: organization.ownerId },
      },
    );
    if (outcome === 'taken') {
      if (attempt + 1 >= attempts) throw new ConflictError('An organization with this slug already exists');
      continue;
    }
    return toView(organization, usage);
  }
}

export async function listOrganizations(
  deps: Dependencies,
  context: UserSecurityContext,
  query: PageQuery & { status?: OrganizationStatus },
): Promise<OrganizationPage> {
  const page = await deps.organizations.list(query);
  const usage = await deps.organizations.usageOfMany(page.items.map((item) => item.id));
  // Contract §3: every platform-staff access to an organization's data is an audit event, lists included.
  if (page.items.length > 0) {
    await deps.events.record(
      page.items.map((organization) => ({
        type: 'platform.access',
        organizationId: organization.id,
        actor: { kind: 'platform', id: context.principal.id },
        data: {
          action: context.action,
          operation: 'listOrganizations',
          groups: [...context.platformGroups],
          requestId: context.requestId,
        },
      })),
    );
  }
  return {
    items: page.items.map((organization) => toView(organization, usage.get(organization.id))),
    nextCursor: page.nextCursor,
  };
}

/** The organization with its usage, both read by the security layer in its one BatchGetItem (the route's prefetch). */
export function getOrganization(context: OrganizationSecurityContext, usage: UsageState | undefined): OrganizationView {
  return toView(stateOf(context), usage);
}

/** What `PATCH /organizations/{orgId}` may change. */
const UPDATABLE_FIELDS: readonly string[] = ['name', 'metadata', 'maxKeyLifetimeDays'];

export async function updateOrganization(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: UpdateOrganizationRequest,
): Promise<OrganizationView> {
  const changed = Object.keys(body).filter((field) => UPDATABLE_FIELDS.includes(field));
  if (changed.length === 0) {
    throw new ValidationFailedError([
      { field: '/', message: `must name at least one of ${UPDATABLE_FIELDS.join(', ')}` },
    ]);
  }
  const updated = await written(
    deps,
    context,
    await deps.organizations.updateDetails(context, body, deps.now(), {
      type: 'organization.updated',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { changed, ...(body.name !== undefined ? { name: body.name } : {}) },
    }),
    refusalOfWrite,
  );
  return view(deps, updated);
}

export async function deleteOrganization(
  deps: Dependencies,
  context: OrganizationSecurityContext,
): Promise<OrganizationView> {
  const current = stateOf(context);
  assertDeletable(current.status);
  const now = deps.now();
  const deleted = await written(
    deps,
    context,
    await deps.organizations.softDelete(context, current, now, {
      type: 'organization.deleted',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { deletedAt: now.toISOString(), purgeAfter: purgeAfterOf(now).toISOString() },
    }),
    refusalOfTransition,
  );
  return view(deps, deleted);
}

export async function restoreOrganization(
  deps: Dependencies,
  context: OrganizationSecurityContext,
): Promise<OrganizationView> {
  const current = stateOf(context);
  const now = deps.now();
  assertRestorable(current, now);
  const restored = await written(
    deps,
    context,
    await deps.organizations.restore(context, current, now, {
      type: 'organization.restored',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { status: statusAfterRestore(current) },
    }),
    (found) => refusalOfRestore(found, now),
  );
  return view(deps, restored);
}

export async function changePlan(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: ChangePlanRequest,
): Promise<OrganizationView> {
  const current = stateOf(context);
  if (current.plan === body.plan) return view(deps, current);
  const updated = await written(
    deps,
    context,
    await deps.organizations.changePlan(context, body.plan, deps.now(), {
      type: 'organization.plan_changed',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { from: current.plan, to: body.plan },
    }),
    refusalOfWrite,
  );
  return view(deps, updated);
}

export async function suspendOrganization(
  deps: Dependencies,
  context: OrganizationSecurityContext,
): Promise<OrganizationView> {
  const current = stateOf(context);
  assertSuspendable(current.status);
  const now = deps.now();
  const updated = await written(
    deps,
    context,
    await deps.organizations.suspend(context, current, now, {
      type: 'organization.suspended',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { suspendedAt: now.toISOString() },
    }),
    refusalOfTransition,
  );
  return view(deps, updated);
}

export async function reactivateOrganization(
  deps: Dependencies,
  context: OrganizationSecurityContext,
): Promise<OrganizationView> {
  const current = stateOf(context);
  assertReactivatable(current.status);
  const updated = await written(
    deps,
    context,
    await deps.organizations.reactivate(context, current, deps.now(), {
      type: 'organization.reactivated',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: {},
    }),
    refusalOfTransition,
  );
  return view(deps, updated);
}

export async function transferOwnership(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: TransferOwnershipRequest,
): Promise<OrganizationView> {
  const current = stateOf(context);
  const callerId = context.principal.id;
  const target =
    body.userId === callerId ? undefined : await deps.organizations.membership(context.organizationId, body.userId);
  assertTransferable(current, callerId, body.userId, target);
  const role = target?.role ?? '';
  const releasesCustomRole = Object.hasOwn(context.organization.roles ?? {}, role);
  const outcome = await deps.organizations.transferOwnership(
    context,
    callerId,
    { userId: body.userId, role, releasesCustomRole },
    deps.now(),
    {
      type: 'ownership.transferred',
      organizationId: context.organizationId,
      actor: actorOf(context),
      data: { previousOwnerId: callerId, newOwnerId: body.userId, previousOwnerRole: 'ADMIN' },
    },
  );
  const [updated, targetNow] = await Promise.all([
    deps.organizations.find(context.organizationId),
    outcome === 'changed' ? deps.organizations.membership(context.organizationId, body.userId) : undefined,
  ]);
  if (outcome === 'changed' || !updated) throw refusalOfTransfer(updated, callerId, targetNow);
  return view(deps, updated);
}

/** The daily purge: every organization past its restore window, found through the index. */
export async function purgeDueOrganizations(
  deps: Dependencies,
  onFailure: (organizationId: string, error: unknown) => void = () => undefined,
): Promise<{ purged: string[]; failed: string[] }> {
  const now = deps.now();
  const purged: string[] = [];
  const failed: string[] = [];
  for (const organizationId of await deps.purge.dueForPurge(now)) {
    try {
      const result = await deps.purge.purge(organizationId, now);
      deps.keys.forgetOrganization(organizationId);
      if (result.purged) purged.push(organizationId);
    } catch (error) {
      // One organization's failure must not stop the others; it is found again tomorrow.
      failed.push(organizationId);
      onFailure(organizationId, error);
    }
  }
  return { purged, failed };
}
