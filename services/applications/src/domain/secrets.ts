/**
 * Named secrets of an application (contract §5): sealed with `@tenantry/crypto` under the
 * organization's data key, the organization, application and name bound as associated data, so a
 * ciphertext copied into another organization's or application's item (or under another name)
 * never opens. Plaintext only to ADMIN+ of the organization (the `secrets:*` rows of the permission
 * table name no platform group); listing shows names and timestamps only.
 */
import { InternalError, NotFoundError, PlanLimitReachedError } from '@tenantry/errors';
import type { PutSecretRequest, Secret, SecretMetadata, SecretMetadataPage } from '@tenantry/models';
import type { OrganizationSecurityContext } from '@tenantry/security';
import { actorOf, dataKeyOf } from './applications';
import type { SecretState } from './model';
import type { Dependencies, PageQuery } from './ports';
import { assertSecretValue, MAX_SECRETS_PER_APPLICATION, secretBinding, toSecretMetadata } from './rules';

export async function putSecret(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
  name: string,
  body: PutSecretRequest,
): Promise<SecretMetadata> {
  assertSecretValue(body.value);
  if (!(await deps.applications.find(context.organizationId, appId))) throw new NotFoundError();
  const sealed = await deps.keys.seal(
    dataKeyOf(context),
    secretBinding(context.organizationId, appId, name),
    body.value,
  );
  const at = deps.now().toISOString();
  const secret: SecretState = { applicationId: appId, name, sealed, createdAt: at, updatedAt: at };

  const created = await deps.secrets.create(context, secret, MAX_SECRETS_PER_APPLICATION);
  if (created === 'ok') return toSecretMetadata(secret);
  if (created === 'missing') throw new NotFoundError();
  if (created === 'limit') {
    await deps.events.record([
      {
        type: 'plan.limit_reached',
        organizationId: context.organizationId,
        actor: actorOf(context),
        data: {
          resource: 'secrets',
          applicationId: appId,
          limit: MAX_SECRETS_PER_APPLICATION,
          attempted: 'secret.put',
        },
      },
    ]);
    throw new PlanLimitReachedError(`An application holds at most ${MAX_SECRETS_PER_APPLICATION} secrets`);
  }
  const replaced = await deps.secrets.replace(context, secret);
  if (replaced === 'missing') throw new NotFoundError();
  return toSecretMetadata(replaced);
}

export async function getSecret(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
  name: string,
): Promise<Secret> {
  const secret = await deps.secrets.find(context.organizationId, appId, name);
  if (!secret) throw new NotFoundError();
  let value: string;
  try {
    value = await deps.keys.openText(
      dataKeyOf(context),
      secretBinding(context.organizationId, appId, name),
      secret.sealed,
    );
  } catch (error) {
    // A value that does not open under its own organization, application and name was not written
    // here (copied, altered) or its key is gone: an integrity failure, logged, never a plaintext.
    throw new InternalError(undefined, { cause: error });
  }
  return { name: secret.name, value, createdAt: secret.createdAt, updatedAt: secret.updatedAt };
}

export async function listSecrets(
  deps: Dependencies,
  context: OrganizationSecurityContext,
  appId: string,
  query: PageQuery,
): Promise<SecretMetadataPage> {
  if (!(await deps.applications.find(context.organizationId, appId))) throw new NotFoundError();
  const page = await deps.secrets.list(context.organizationId, appId, query);
  return { items: page.items.map(toSecretMetadata), nextCursor: page.nextCursor };
}
