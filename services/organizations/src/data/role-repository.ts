/**
 * Custom roles (contract §9) in the organizations table: the role item (`ORG#<id>` / `ROLE#<key>`),
 * the organization item's `roles.<key>` = { baseRole, permissions } that the security layer decides
 * with, and the usage counter `customRoles`. Every write is ONE TransactWriteItems pinned to the
 * tenant, with its event in the outbox; an expected conditional failure is an outcome.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  decodeCursor,
  encodeCursor,
  type Item,
  isConditionFailure,
  organizationKey,
  organizationPk,
  queryAll,
  ROLE_PREFIX,
  roleKey,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import { type NewDomainEvent, outboxPut } from '@tenantry/events';
import { type TenantScope, tenantTransactItems, tenantUpdate } from '@tenantry/security';
import type { RoleState } from '../domain/model';
import type { RoleRepository } from '../domain/ports';
import { decisionOf } from '../domain/role-rules';
import {
  activeWithoutRolesMap,
  activeWithRolesMap,
  counterPositive,
  customRoleSlotFree,
  isNew,
  roleAtVersion,
  roleUnheld,
} from './conditions';
import { rolesCursorShape } from './keys';

/** Attributes that are storage detail, never part of a role. */
const STORAGE = new Set(['pk', 'sk', 'entity', 'organizationId']);

function toRole(item: Item): RoleState {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE.has(name))) as unknown as RoleState;
}

/** The organization item's entry of one role: `#roles.#roleKey` (a key may hold '-'). */
const roleEntryNames = (key: string) => ({ '#roles': 'roles', '#roleKey': key, '#status': 'status' });

/** The organization item's `roles.<key>` set to the role's decision data, on an ACTIVE organization. */
function setRoleEntry(scope: TenantScope, role: RoleState) {
  return {
    Update: {
      TableName: tables.organizations(),
      Key: organizationKey(scope.organizationId),
      UpdateExpression: 'SET #roles.#roleKey = :decision',
      ConditionExpression: activeWithRolesMap,
      ExpressionAttributeNames: roleEntryNames(role.key),
      ExpressionAttributeValues: { ':decision': decisionOf(role), ':active': 'ACTIVE' },
    },
  };
}

export function dynamoRoleRepository(client: DynamoDBDocumentClient): RoleRepository {
  const table = () => tables.organizations();

  async function find(organizationId: string, key: string): Promise<RoleState | undefined> {
    const { Item: item } = await client.send(
      new GetCommand({ TableName: table(), Key: roleKey(organizationId, key), ConsistentRead: true }),
    );
    return item ? toRole(item) : undefined;
  }

  /**
   * Gives an organization created before custom roles its empty `roles` map, so the nested SET of a
   * role's entry can follow. A lost race (another request made it) is as good as winning it.
   */
  async function addRolesMap(scope: TenantScope): Promise<void> {
    try {
      await client.send(
        new UpdateCommand(
          tenantUpdate(scope, {
            TableName: table(),
            Key: organizationKey(scope.organizationId),
            UpdateExpression: 'SET #roles = :empty',
            ConditionExpression: activeWithoutRolesMap,
            ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
            ExpressionAttributeValues: { ':empty': {}, ':active': 'ACTIVE' },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  function createOnce(scope: TenantScope, role: RoleState, limit: number, event: NewDomainEvent) {
    return transactWrite({
      TransactItems: tenantTransactItems(scope, [
        {
          Update: {
            TableName: table(),
            Key: usageKey(scope.organizationId),
            UpdateExpression: 'SET #customRoles = if_not_exists(#customRoles, :zero) + :one',
            ConditionExpression: customRoleSlotFree,
            ExpressionAttributeNames: { '#customRoles': 'customRoles' },
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit },
          },
        },
        {
          Put: {
            TableName: table(),
            Item: { ...roleKey(scope.organizationId, role.key), entity: 'Role', ...role },
            ConditionExpression: isNew,
          },
        },
        setRoleEntry(scope, role),
        outboxPut(table(), event),
      ]),
    });
  }

  return {
    find,

    async create(scope, role, limit, event) {
      let outcome = await createOnce(scope, role, limit, event);
      // Only the missing map refused it: a refused create never leaves even an empty map behind.
      if (!outcome.ok && outcome.failed.every((index) => index === 2)) {
        await addRolesMap(scope);
        outcome = await createOnce(scope, role, limit, event);
      }
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(1)) return 'exists';
      if (outcome.failed.includes(0)) return 'limit';
      if (outcome.failed.includes(2)) return 'changed';
      throw new Error(`outbox item of ${event.type} already exists (id collision)`);
    },

    async list(organizationId, query, leading) {
      const leadingKeys = leading.map((role) => role.key);
      const start = decodeCursor(query.cursor, rolesCursorShape(organizationId, leadingKeys));
      const pk = organizationPk(organizationId);
      // At most the plan's largest limit of custom roles (50): one read of them all.
      const custom = (
        await queryAll(client, {
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': ROLE_PREFIX },
          ConsistentRead: true,
        })
      ).map(toRole);
      const ordered: Array<(typeof leading)[number] | RoleState> = [...leading, ...custom];
      const after = start?.sk?.slice(ROLE_PREFIX.length);
      // Past a built-in role: the next in line; past a custom one (deleted meanwhile or not): the first key after it.
      const from =
        after === undefined
          ? 0
          : leadingKeys.includes(after)
            ? leadingKeys.indexOf(after) + 1
            : leading.length + custom.filter((role) => role.key <= after).length;
      const items = ordered.slice(from, from + query.limit);
      const last = items.at(-1);
      const more = from + items.length < ordered.length;
      return { items, nextCursor: more && last ? encodeCursor({ pk, sk: `${ROLE_PREFIX}${last.key}` }) : null };
    },

    async update(scope, expectedVersion, next, event) {
      const set = ['#name = :name', '#baseRole = :baseRole', '#permissions = :permissions'];
      const names: Record<string, string> = {
        '#name': 'name',
        '#baseRole': 'baseRole',
        '#permissions': 'permissions',
        '#version': 'version',
        '#updatedAt': 'updatedAt',
      };
      const values: Record<string, unknown> = {
        ':name': next.name,
        ':baseRole': next.baseRole,
        ':permissions': next.permissions,
        ':version': expectedVersion,
        ':nextVersion': next.version,
        ':now': next.updatedAt,
      };
      if (next.description !== undefined) {
        set.push('#description = :description');
        names['#description'] = 'description';
        values[':description'] = next.description;
      }
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems(scope, [
          {
            Update: {
              TableName: table(),
              Key: roleKey(scope.organizationId, next.key),
              // Never a Put: `holders` is the memberships service's to change meanwhile.
              UpdateExpression: `SET ${set.join(', ')}, #version = :nextVersion, #updatedAt = :now`,
              ConditionExpression: roleAtVersion,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          setRoleEntry(scope, next),
          outboxPut(table(), event),
        ]),
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'stale';
      if (outcome.failed.includes(1)) return 'changed';
      throw new Error(`outbox item of ${event.type} already exists (id collision)`);
    },

    async delete(scope, key, event) {
      // A holder let go between the refused delete and the read of the role: one more try.
      for (let attempt = 1; ; attempt++) {
        const outcome = await deleteOnce(scope, key, event);
        if (outcome === 'ok' || outcome === 'missing' || outcome === 'changed') return outcome;
        if (outcome.held > 0 || attempt === 2) return outcome;
      }
    },
  };

  async function deleteOnce(
    scope: TenantScope,
    key: string,
    event: NewDomainEvent,
  ): Promise<'ok' | 'missing' | 'changed' | { held: number }> {
    const outcome = await transactWrite({
      TransactItems: tenantTransactItems(scope, [
        {
          Delete: {
            TableName: table(),
            Key: roleKey(scope.organizationId, key),
            ConditionExpression: roleUnheld,
            ExpressionAttributeNames: { '#holders': 'holders' },
            ExpressionAttributeValues: { ':zero': 0 },
          },
        },
        {
          Update: {
            TableName: table(),
            Key: organizationKey(scope.organizationId),
            UpdateExpression: 'REMOVE #roles.#roleKey',
            ConditionExpression: activeWithRolesMap,
            ExpressionAttributeNames: roleEntryNames(key),
            ExpressionAttributeValues: { ':active': 'ACTIVE' },
          },
        },
        {
          Update: {
            TableName: table(),
            Key: usageKey(scope.organizationId),
            UpdateExpression: 'SET #customRoles = #customRoles - :one',
            ConditionExpression: counterPositive,
            ExpressionAttributeNames: { '#customRoles': 'customRoles' },
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          },
        },
        outboxPut(table(), event),
      ]),
    });
    if (outcome.ok) return 'ok';
    if (outcome.failed.includes(0)) {
      const role = await find(scope.organizationId, key);
      return role ? { held: role.holders } : 'missing';
    }
    if (outcome.failed.includes(1)) return 'changed';
    throw new Error(`role ${key}: the customRoles counter is not above zero, or an outbox id collision`);
  }
}
