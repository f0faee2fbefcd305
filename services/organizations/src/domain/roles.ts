/**
 * Custom roles (contract §9): the OWNER (or the platform OWNER) defines them; every member and
 * platform staff may read them. Each write stores the role, its decision data on the organization
 * item (so a change applies to every holder on their next request) and its event together. No AWS SDK here.
 */
import { ConflictError, NotFoundError, PlanLimitReachedError } from '@tenantry/errors';
import type { NewDomainEvent } from '@tenantry/events';
import type { CreateRoleRequest, EventType, PageQuery, Role, RolePage, UpdateRoleRequest } from '@tenantry/models';
import { actorOf, type OrganizationSecurityContext } from '@tenantry/security';
import type { RoleState } from './model';
import type { Dependencies } from './ports';
import {
  assertCustomKey,
  assertGrantable,
  BUILT_IN_ROLE_VIEWS,
  builtInRoleView,
  customRoleLimit,
  isBuiltInRole,
  roleView,
} from './role-rules';
import { refusalOfWrite } from './rules';

/** Reads and writes of an update when another update of the same role keeps winning. */
const UPDATE_ATTEMPTS = 3;

const missingRole = () => new NotFoundError('The role does not exist');

const fixedRole = (key: string) =>
  new ConflictError(`${key} is a built-in role: it cannot be changed or deleted (contract §3 fixes its permissions)`);

/** The refusal of a write whose organization condition failed, from the organization as it is now. */
async function organizationRefusal(deps: Dependencies, context: OrganizationSecurityContext) {
  return refusalOfWrite(await deps.organizations.find(context.organizationId));
}

function event(context: OrganizationSecurityContext, type: EventType, data: Record<string, unknown>): NewDomainEvent {
  return { type, organizationId: context.organizationId, actor: actorOf(context), data };
}

export async function createRole(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: CreateRoleRequest,
): Promise<Role> {
  assertCustomKey(body.key);
  assertGrantable(body.permissions);
  const at = deps.now().toISOString();
  const role: RoleState = {
    key: body.key,
    name: body.name,
    ...(body.description !== undefined ? { description: body.description } : {}),
    baseRole: body.baseRole,
    permissions: [...body.permissions],
    holders: 0,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const plan = context.organization.plan;
  const limit = customRoleLimit(plan);
  const outcome = await deps.roles.create(
    context,
    role,
    limit,
    event(context, 'role.created', {
      roleKey: role.key,
      name: role.name,
      baseRole: role.baseRole,
      permissions: role.permissions,
    }),
  );
  if (outcome === 'exists') throw new ConflictError(`A role with the key ${role.key} already exists`);
  if (outcome === 'changed') throw await organizationRefusal(deps, context);
  if (outcome === 'limit') {
    await deps.events.record([
      event(context, 'plan.limit_reached', { resource: 'customRoles', plan, limit, attempted: 'role.create' }),
    ]);
    throw new PlanLimitReachedError(`The ${plan} plan allows ${limit} custom roles`);
  }
  return roleView(role);
}

/** The four built-in roles first, then the custom roles by key. */
export async function listRoles(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  query: PageQuery,
): Promise<RolePage> {
  const page = await deps.roles.list(context.organizationId, query, BUILT_IN_ROLE_VIEWS);
  return {
    items: page.items.map((item) => ('builtIn' in item ? item : roleView(item))),
    nextCursor: page.nextCursor,
  };
}

export async function getRole(deps: Dependencies, context: OrganizationSecurityContext, key: string): Promise<Role> {
  if (isBuiltInRole(key)) return builtInRoleView(key);
  const role = await deps.roles.find(context.organizationId, key);
  if (!role) throw missingRole();
  return roleView(role);
}

/**
 * Name, description, base role and permissions; the key never changes. The change is written over
 * the version it was computed from, so two concurrent updates never mix into a role neither asked for.
 */
export async function updateRole(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  key: string,
  body: UpdateRoleRequest,
): Promise<Role> {
  if (isBuiltInRole(key)) throw fixedRole(key);
  if (body.permissions) assertGrantable(body.permissions);
  for (let attempt = 1; ; attempt++) {
    const current = await deps.roles.find(context.organizationId, key);
    if (!current) throw missingRole();
    const next: RoleState = {
      ...current,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.baseRole !== undefined ? { baseRole: body.baseRole } : {}),
      ...(body.permissions !== undefined ? { permissions: [...body.permissions] } : {}),
      version: current.version + 1,
      updatedAt: deps.now().toISOString(),
    };
    const outcome = await deps.roles.update(
      context,
      current.version,
      next,
      event(context, 'role.updated', {
        roleKey: key,
        name: next.name,
        baseRole: next.baseRole,
        permissions: next.permissions,
        previous: { baseRole: current.baseRole, permissions: current.permissions },
      }),
    );
    if (outcome === 'ok') return roleView(next);
    if (outcome === 'changed') throw await organizationRefusal(deps, context);
    if (attempt === UPDATE_ATTEMPTS) throw new ConflictError(`The role ${key} is being changed by others; retry`);
  }
}

/** Only a role no one holds: a holder would be left with a role that grants nothing. */
export async function deleteRole(deps: Dependencies, context: OrganizationSecurityContext, key: string): Promise<void> {
  if (isBuiltInRole(key)) throw fixedRole(key);
  const outcome = await deps.roles.delete(context, key, event(context, 'role.deleted', { roleKey: key }));
  if (outcome === 'ok') return;
  if (outcome === 'missing') throw missingRole();
  if (outcome === 'changed') throw await organizationRefusal(deps, context);
  const holders =
    outcome.held === 1 ? '1 member or pending invitation holds' : `${outcome.held} members or pending invitations hold`;
  throw new ConflictError(`${holders} the role ${key}: give them another role first`);
}
