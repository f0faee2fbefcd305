/**
 * The use cases of applications and their API keys (contract §5, §6). Each takes the verified security
 * context (the organization id comes from it, never from a body), hands a repository the write and
 * its contract §7 event (stored together, in one transaction: the outbox), and returns the public view.
 * No AWS SDK here.
 */
import {
  ConflictError,
  InternalError,
  NotFoundError,
  PlanLimitReachedError,
  UnauthenticatedError,
} from '@tenantry/errors';
import type { NewDomainEvent } from '@tenantry/events';
import type {
  Application,
  ApplicationPage,
  CallingApplication,
  CreateApplicationRequest,
  CreateApplicationResponse,
  PromoteApiKeyRequest,
  RotateApiKeyResponse,
  UpdateApplicationRequest,
} from '@tenantry/models';
import type {
  ApplicationSecurityContext,
  OrganizationSecurityContext,
  ReplayProtection,
  SecurityContext,
} from '@tenantry/security';
import type { ApplicationState, DataKeyRecord, EventActor } from './model';
import type { Dependencies, PageQuery } from './ports';
import {
  applicationLimit,
  checkedScopes,
  DEFAULT_SCOPES,
  EMPTY_SLOTS,
  expiryNoticeWindow,
  expiryOnCreate,
  expiryOnUpdate,
  generateApiKey,
  graceOf,
  type KeyChange,
  keyHashesOf,
  keyLifetimeCapOf,
  promotion,
  replayBinding,
  revocation,
  rotation,
  toView,
  withdrawal,
} from './rules';

/** The actor of an event: platform staff acting through a platform grant, else the user (or key). */
export function actorOf(context: OrganizationSecurityContext | ApplicationSecurityContext): EventActor {
  if (context.access === 'platform') return { kind: 'platform', id: context.principal.id };
  return { kind: context.principal.kind, id: context.principal.id };
}

/** The organization's wrapped data key, from the organization item layer 2 read this request. */
export function dataKeyOf(context: { organization: Record<string, unknown> }): DataKeyRecord {
  const record = context.organization.dataKey as Partial<DataKeyRecord> | undefined;
  if (typeof record?.keyId !== 'string' || typeof record.encryptedDataKey !== 'string') {
    throw new InternalError(undefined, { cause: new Error('the organization has no data key') });
  }
  return record as DataKeyRecord;
}

/** An application of the context's organization, or 404 (missing, deleted, or another tenant's). */
async function load(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<ApplicationState> {
  const app = await deps.applications.find(context.organizationId, appId);
  if (!app) throw new NotFoundError();
  return app;
}

function view(deps: Dependencies, app: ApplicationState): Application {
  return toView(app, deps.now());
}

export async function createApplication(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  body: CreateApplicationRequest,
): Promise<CreateApplicationResponse> {
  const now = deps.now();
  const at = now.toISOString();
  const scopes = body.scopes === undefined ? [...DEFAULT_SCOPES] : checkedScopes(body.scopes, context.permissions);
  const expiresAt = expiryOnCreate(body.expiresAt, now, keyLifetimeCapOf(context.organization));
  const issued = generateApiKey(now, deps.random);
  const app: ApplicationState = {
    id: deps.newId('app'),
    organizationId: context.organizationId,
    name: body.name,
    ...(body.description !== undefined ? { description: body.description } : {}),
    scopes,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    keys: { ...EMPTY_SLOTS, current: issued.slot },
    secretCount: 0,
    version: 1,
    lastUsed: {},
    createdAt: at,
    updatedAt: at,
  };
  const plan = context.organization.plan;
  const limit = applicationLimit(plan);
  const outcome = await deps.applications.create(context, app, issued.slot, limit, {
    type: 'application.created',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: {
      applicationId: app.id,
      name: app.name,
      keyPrefix: issued.slot.prefix,
      scopes,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    },
  });
  if (outcome === 'limit') {
    await deps.events.record([
      {
        type: 'plan.limit_reached',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: { resource: 'applications', plan, limit, attempted: 'application.create' },
      },
    ]);
    throw new PlanLimitReachedError(`The ${plan} plan allows ${limit} applications`);
  }
  return { application: toView(app, now), apiKey: issued.key };
}

export async function listApplications(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  query: PageQuery,
): Promise<ApplicationPage> {
  const page = await deps.applications.list(context.organizationId, query);
  const now = deps.now();
  return { items: page.items.map((app) => toView(app, now)), nextCursor: page.nextCursor };
}

/** The application the security layer read with the organization (the route's prefetch): 404 when there is none. */
export async function getApplication(deps: Dependencies, app: ApplicationState | undefined): Promise<Application> {
  if (!app) throw new NotFoundError();
  return view(deps, app);
}

export async function updateApplication(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
  body: UpdateApplicationRequest,
): Promise<Application> {
  const now = deps.now();
  // Checked before any read: bad input changes nothing and costs nothing.
  const scopes = body.scopes === undefined ? undefined : checkedScopes(body.scopes, context.permissions);
  const expiresAt =
    body.expiresAt === undefined
      ? undefined
      : expiryOnUpdate(body.expiresAt, now, keyLifetimeCapOf(context.organization));
  const app = await load(deps, context, appId);
  const changes = { name: body.name, description: body.description, scopes, expiresAt };
  const changed = Object.keys(body).filter((field) => Object.hasOwn(changes, field));
  const updated = await deps.applications.update(context, app, changes, now, {
    type: 'application.updated',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: {
      applicationId: appId,
      changed,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(scopes !== undefined ? { scopes } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    },
  });
  if (updated === 'changed') return explainConflict(deps, context, appId);
  return view(deps, updated);
}

/** A changed application after a failed conditional write: gone → 404, else it moved under us → 409. */
async function explainConflict(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<never> {
  if (!(await deps.applications.find(context.organizationId, appId))) throw new NotFoundError();
  throw new ConflictError('The application changed concurrently; retry');
}

export async function deleteApplication(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<void> {
  const app = await load(deps, context, appId);
  const deleted = await deps.applications.softDelete(context, app, deps.now(), {
    type: 'application.deleted',
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: { applicationId: app.id, name: app.name, revokedKeys: keyHashesOf(app.keys).length },
  });
  if (deleted !== 'ok') return explainConflict(deps, context, appId);
}

/** One key operation: compute the change from the slots read, write it and its event conditionally. */
async function changeKeys(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  app: ApplicationState,
  change: KeyChange,
  event: { type: NewDomainEvent['type']; data: Record<string, unknown> },
): Promise<ApplicationState> {
  const now = deps.now();
  const outcome = await deps.applications.changeKeys(context, app, change, now, {
    type: event.type,
    organizationId: context.organizationId,
    actor: actorOf(context),
    data: { applicationId: app.id, name: app.name, ...event.data },
  });
  if (outcome !== 'ok') return explainConflict(deps, context, app.id);
  return { ...app, keys: change.slots, version: app.version + 1, updatedAt: now.toISOString() };
}

export async function rotateApiKey(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<RotateApiKeyResponse> {
  const app = await load(deps, context, appId);
  const issued = generateApiKey(deps.now(), deps.random);
  const change = rotation(app.keys, issued.slot);
  const rotated = await changeKeys(deps, context, app, change, {
    type: 'api_key.rotated',
    data: { keyPrefix: issued.slot.prefix },
  });
  return { application: view(deps, rotated), apiKeyNext: issued.key };
}

export async function promoteApiKey(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
  body: PromoteApiKeyRequest | undefined,
): Promise<Application> {
  const graceSeconds = graceOf(body);
  const app = await load(deps, context, appId);
  const change = promotion(app.keys, deps.now(), graceSeconds);
  const promoted = await changeKeys(deps, context, app, change, {
    type: 'api_key.promoted',
    data: {
      keyPrefix: change.slots.current?.prefix,
      graceSeconds,
      previousKeyPrefix: app.keys.current?.prefix ?? null,
      previousExpiresAt: change.slots.previous?.expiresAt ?? null,
    },
  });
  return view(deps, promoted);
}

export async function withdrawNextApiKey(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<Application> {
  const app = await load(deps, context, appId);
  const change = withdrawal(app.keys);
  const withdrawn = await changeKeys(deps, context, app, change, {
    type: 'api_key.withdrawn',
    data: { keyPrefix: app.keys.next?.prefix },
  });
  return view(deps, withdrawn);
}

export async function revokeApiKey(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
): Promise<Application> {
  const app = await load(deps, context, appId);
  const change = revocation(app.keys);
  const revoked = await changeKeys(deps, context, app, change, {
    type: 'api_key.revoked',
    data: { keyPrefix: app.keys.current?.prefix },
  });
  return view(deps, revoked);
}

/** Who writes `api_key.expiring`: the scheduled function, not a person. */
const EXPIRY_NOTICE_ACTOR: EventActor = { kind: 'platform', id: 'notifyExpiringKeys' };

/**
 * The scheduled notice (contract §6): every application whose keys expire within the next 7 days
 * and whose expiry was not noticed yet gets ONE `api_key.expiring` (its ADMINs are notified),
 * written with the mark that makes it once. One application's failure does not stop the others:
 * it stays in the index for the next run.
 */
export async function notifyExpiringKeys(
  deps: Pick<Dependencies, 'applications' | 'now'>,
  onFailure: (applicationId: string, error: unknown) => void = () => undefined,
): Promise<{ notified: string[]; failed: string[] }> {
  const now = deps.now();
  const window = expiryNoticeWindow(now);
  const notified: string[] = [];
  const failed: string[] = [];
  for (const day of window.days) {
    for (const app of await deps.applications.expiringBetween(day, window.from, window.until)) {
      try {
        const outcome = await deps.applications.markExpiring(app, now, {
          type: 'api_key.expiring',
          organizationId: app.organizationId,
          actor: EXPIRY_NOTICE_ACTOR,
          data: { applicationId: app.id, name: app.name, expiresAt: app.expiresAt },
        });
        if (outcome === 'ok') notified.push(app.id);
      } catch (error) {
        failed.push(app.id);
        onFailure(app.id, error);
      }
    }
  }
  return { notified, failed };
}

/** `GET /applications/me`: the calling key's application, its organization and the slot that matched. */
export async function getCallingApplication(
  deps: Dependencies,
  context: ApplicationSecurityContext,
): Promise<CallingApplication> {
  const app = await deps.applications.find(context.organizationId, context.principal.id);
  // The key verified a moment ago; its application deleted since (the delete removed the key too).
  if (!app) throw new UnauthenticatedError();
  const { organization } = context;
  return {
    application: view(deps, app),
    organization: { id: organization.id, name: organization.name, status: organization.status },
    keySlot: context.principal.keySlot ?? 'current',
  };
}

/**
 * Keeps the plaintext key of a create/rotate answer out of the idempotency table: the stored copy
 * holds it sealed under the organization's data key (bound to the application), and every answer,
 * first or replayed, opens it. Crypto-shredding the organization shreds these copies too.
 */
export function keyReplayProtection(deps: () => Dependencies, field: 'apiKey' | 'apiKeyNext'): ReplayProtection {
  const transform = async (
    result: { body?: unknown },
    context: SecurityContext,
    how: (record: DataKeyRecord, organizationId: string, applicationId: string, value: string) => Promise<string>,
  ) => {
    const body = result.body as ({ application?: { id?: string } } & Record<string, unknown>) | undefined;
    const value = body?.[field];
    const applicationId = body?.application?.id;
    if (context.scope !== 'organization' || typeof value !== 'string' || typeof applicationId !== 'string') {
      return result;
    }
    const sealed = await how(dataKeyOf(context), context.organizationId, applicationId, value);
    return { ...result, body: { ...body, [field]: sealed } };
  };
  return {
    seal: (result, context) =>
      transform(result, context, (record, organizationId, applicationId, value) =>
        deps().keys.seal(record, replayBinding(organizationId, applicationId), value),
      ),
    open: (stored, context) =>
      transform(stored, context, (record, organizationId, applicationId, value) =>
        deps().keys.openText(record, replayBinding(organizationId, applicationId), value),
      ),
  };
}
