import type {
  TransactWriteConditionCheck as ConditionCheck,
  DeleteCommandInput,
  PutCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InternalError } from '@tenantry/errors';
import type { TenantScope } from './context';

/**
 * Tenant pinning (contract §1): every write to tenant data carries a DynamoDB condition that pins the
 * item to the organization of the verified security context, so a bug above cannot write across
 * tenants. The organization id is read ONLY from the context; an `organizationId` the caller put in
 * an item that disagrees with it is a bug and throws (500, nothing written).
 *
 * Placeholders used: `#tenantOrganizationId` and `:tenantOrganizationId` (do not reuse them).
 */

export const TENANT_ATTRIBUTE = 'organizationId';
const NAME = '#tenantOrganizationId';
const VALUE = ':tenantOrganizationId';

export interface ConditionParts {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

type Mode = 'existing' | 'new-or-own';

function scopeId(scope: TenantScope): string {
  const id = scope?.organizationId;
  if (typeof id !== 'string' || id === '')
    throw new InternalError(undefined, { cause: new Error('no tenant in context') });
  return id;
}

/**
 * The tenant condition merged with the caller's. `existing` (update, delete, condition check): the
 * item must exist and belong to the tenant. `new-or-own` (put): the item is new, or already the
 * tenant's (a put never overwrites another tenant's item).
 */
export function tenantCondition<T extends ConditionParts>(scope: TenantScope, input: T, mode: Mode = 'existing'): T {
  const id = scopeId(scope);
  if (input.ExpressionAttributeNames?.[NAME] || input.ExpressionAttributeValues?.[VALUE] !== undefined) {
    throw new InternalError(undefined, { cause: new Error(`${NAME}/${VALUE} are reserved for tenant pinning`) });
  }
  // No parentheses of its own: DynamoDB refuses redundant ones, e.g. `((a OR b)) AND (c)`.
  const pin = mode === 'existing' ? `${NAME} = ${VALUE}` : `attribute_not_exists(${NAME}) OR ${NAME} = ${VALUE}`;
  return {
    ...input,
    ConditionExpression: input.ConditionExpression ? `(${pin}) AND (${input.ConditionExpression})` : pin,
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, [NAME]: TENANT_ATTRIBUTE },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, [VALUE]: id },
  };
}

function pinItem<I extends Record<string, unknown>>(scope: TenantScope, item: I): I & { organizationId: string } {
  const id = scopeId(scope);
  if (item[TENANT_ATTRIBUTE] !== undefined && item[TENANT_ATTRIBUTE] !== id) {
    throw new InternalError(undefined, { cause: new Error('item organizationId differs from the security context') });
  }
  return { ...item, [TENANT_ATTRIBUTE]: id };
}

function assertUpdateKeepsTenant(updateExpression: string | undefined, names: Record<string, string> | undefined) {
  const aliases = Object.entries(names ?? {})
    .filter(([, name]) => name === TENANT_ATTRIBUTE)
    .map(([alias]) => alias);
  const mentions = [TENANT_ATTRIBUTE, ...aliases].some((token) =>
    new RegExp(`(^|[^\\w#:])${token.replace(/[#]/g, '\\#')}\\b`).test(updateExpression ?? ''),
  );
  if (mentions) throw new InternalError(undefined, { cause: new Error('an update may not change organizationId') });
}

/** A Put that writes `organizationId` from the context and never overwrites another tenant's item. */
export function tenantPut(scope: TenantScope, input: PutCommandInput): PutCommandInput {
  return tenantCondition(scope, { ...input, Item: pinItem(scope, input.Item ?? {}) }, 'new-or-own');
}

/** An Update of an existing item of this tenant only (and never of its `organizationId`). */
export function tenantUpdate(scope: TenantScope, input: UpdateCommandInput): UpdateCommandInput {
  assertUpdateKeepsTenant(input.UpdateExpression, input.ExpressionAttributeNames);
  return tenantCondition(scope, input, 'existing');
}

/** A Delete of an existing item of this tenant only (a missing item fails its condition: map to 404). */
export function tenantDelete(scope: TenantScope, input: DeleteCommandInput): DeleteCommandInput {
  return tenantCondition(scope, input, 'existing');
}

/** A ConditionCheck (in a transaction) that also requires the item to be this tenant's. */
export function tenantConditionCheck(scope: TenantScope, input: ConditionCheck): ConditionCheck {
  return tenantCondition(scope, input as ConditionCheck & ConditionParts, 'existing') as ConditionCheck;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Every item of a TransactWriteItems pinned like the single-item helpers above. */
export function tenantTransactItems(scope: TenantScope, items: TransactItem[]): TransactItem[] {
  return items.map((item) => {
    if (item.Put) return { ...item, Put: tenantPut(scope, item.Put as PutCommandInput) } as TransactItem;
    if (item.Update) return { ...item, Update: tenantUpdate(scope, item.Update as UpdateCommandInput) } as TransactItem;
    if (item.Delete) return { ...item, Delete: tenantDelete(scope, item.Delete as DeleteCommandInput) } as TransactItem;
    if (item.ConditionCheck) return { ...item, ConditionCheck: tenantConditionCheck(scope, item.ConditionCheck) };
    throw new InternalError(undefined, { cause: new Error('unknown transaction item') });
  });
}

/** A whole TransactWriteCommandInput with every item pinned. */
export function tenantTransactWrite(scope: TenantScope, input: TransactWriteCommandInput): TransactWriteCommandInput {
  return { ...input, TransactItems: tenantTransactItems(scope, input.TransactItems ?? []) };
}

/**
 * The scope of an organization that this very request creates (`POST /organizations`): the only
 * case where the id does not come from the path. Use it for the new organization's items only.
 */
export function newOrganizationScope(organizationId: string): TenantScope {
  return { organizationId };
}
