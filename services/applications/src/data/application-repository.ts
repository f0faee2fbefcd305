/**
 * Applications and their key items in DynamoDB (applications table; the usage counters of the
 * organizations table). Every write to tenant data is pinned with the `@tenantry/security`
 * helpers; reads that decide something are strongly consistent; expected conditional failures come
 * back as outcomes.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ApiKeyRecord,
  apiKeyItem,
  apiKeyKey,
  organizationPk,
  queryPage,
  tables,
  transactWrite,
  usageKey,
} from '@tenantry/dynamo';
import { outboxPut } from '@tenantry/events';
import type { KeySlot } from '@tenantry/models';
import { type PrefetchKey, type TenantScope, tenantTransactItems } from '@tenantry/security';
import type { ApplicationState, SlotRecord } from '../domain/model';
import type { ApplicationRepository } from '../domain/ports';
import type { KeyChange } from '../domain/rules';
import { EMPTY_SLOTS } from '../domain/rules';
import { absentOrOwned, applicationSlotFree, atVersion, exists, isNew } from './conditions';
import { APPLICATION_PREFIX, applicationKey, deletedApplicationKey } from './keys';

type Item = Record<string, unknown>;
type TransactItem = Parameters<typeof tenantTransactItems>[1][number];

const STORAGE = new Set(['pk', 'sk', 'entity']);

/** An application's item, read by the security layer with the organization (the route's prefetch). */
export const applicationPrefetch = (organizationId: string, applicationId: string): PrefetchKey => ({
  table: tables.applications(),
  key: applicationKey(organizationId, applicationId),
});

/** The application of an item read (or prefetched); undefined when there is none. */
export const applicationOfItem = (item: Item | undefined): ApplicationState | undefined =>
  item ? toApplication(item) : undefined;

export function toApplication(item: Item): ApplicationState {
  const state: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE.has(name)) state[name] = value;
  const app = state as unknown as ApplicationState;
  return {
    ...app,
    keys: { ...EMPTY_SLOTS, ...app.keys },
    secretCount: Number(app.secretCount ?? 0),
    version: Number(app.version ?? 0),
    lastUsed: lastUsedOf(app.lastUsed),
  };
}

/** The `lastUsed` map of an item; `{}` for an item written before it existed. */
function lastUsedOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter(([, at]) => typeof at === 'string'));
}

/** The item of a key in `slot` of `app`. */
function keyItem(app: ApplicationState, slot: KeySlot, record: SlotRecord) {
  const stored: ApiKeyRecord = {
    keyHash: record.keyHash,
    organizationId: app.organizationId,
    applicationId: app.id,
    slot,
    scopes: [...app.scopes],
    prefix: record.prefix,
    createdAt: record.createdAt,
  };
  return apiKeyItem(stored);
}

/** Deletes a key item that may already be gone, never one of another tenant (see `absentOrOwned`). */
function deleteKey(table: string, organizationId: string, keyHash: string): TransactItem {
  return {
    Delete: {
      TableName: table,
      Key: apiKeyKey(keyHash),
      ConditionExpression: absentOrOwned,
      ExpressionAttributeNames: { '#keyOrganizationId': 'organizationId' },
      ExpressionAttributeValues: { ':keyOrganizationId': organizationId },
    },
  };
}

/** Epoch seconds for DynamoDB TTL. */
const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);

/** The DynamoDB implementation of {@link ApplicationRepository}. */
export function dynamoApplicationRepository(client: DynamoDBDocumentClient): ApplicationRepository {
  const table = () => tables.applications();

  async function find(organizationId: string, applicationId: string): Promise<ApplicationState | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: table(), Key: applicationKey(organizationId, applicationId), ConsistentRead: true }),
    );
    return applicationOfItem(Item);
  }

  return {
    find,

    async create(scope: TenantScope, app, key, limit, event) {
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems(scope, [
          {
            Update: {
              TableName: tables.organizations(),
              Key: usageKey(scope.organizationId),
              UpdateExpression: 'SET applications = if_not_exists(applications, :zero) + :one',
              ConditionExpression: applicationSlotFree,
              ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit },
            },
          },
          {
            Put: {
              TableName: table(),
              Item: { ...applicationKey(scope.organizationId, app.id), entity: 'Application', ...app },
              ConditionExpression: isNew,
            },
          },
          { Put: { TableName: table(), Item: keyItem(app, 'current', key), ConditionExpression: isNew } },
          outboxPut(table(), event),
        ]),
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'limit';
      throw new Error(`application ${app.id}: id or key hash collision`);
    },

    async list(organizationId, page) {
      const pk = organizationPk(organizationId);
      const result = await queryPage(
        client,
        {
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': APPLICATION_PREFIX },
          ConsistentRead: true,
        },
        { limit: page.limit, cursor: page.cursor, shape: { equals: { pk }, prefixes: { sk: APPLICATION_PREFIX } } },
      );
      return { items: result.items.map(toApplication), nextCursor: result.nextCursor };
    },

    async update(scope, applicationId, changes, now, event) {
      const set = ['#updatedAt = :now'];
      const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
      const values: Record<string, unknown> = { ':now': now.toISOString() };
      if (changes.name !== undefined) {
        set.push('#name = :name');
        names['#name'] = 'name';
        values[':name'] = changes.name;
      }
      if (changes.description !== undefined) {
        set.push('#description = :description');
        names['#description'] = 'description';
        values[':description'] = changes.description;
      }
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems(scope, [
          {
            Update: {
              TableName: table(),
              Key: applicationKey(scope.organizationId, applicationId),
              UpdateExpression: `SET ${set.join(', ')}`,
              ConditionExpression: exists,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          outboxPut(table(), event),
        ]),
      });
      if (!outcome.ok) {
        if (outcome.failed.includes(0)) return 'missing';
        throw new Error(`outbox item of ${event.type} already exists (id collision)`);
      }
      // A transaction returns no item: the application as it is now, deleted meanwhile included.
      return (await find(scope.organizationId, applicationId)) ?? 'missing';
    },

    async changeKeys(scope, app, change: KeyChange, now, event) {
      // A deleted key's lastUsed entry goes with it. Only entries this read saw: the map exists then
      // (an item written before the map has none, and REMOVE of a path under it would fail).
      const forgotten = change.deletes.filter((hash) => Object.hasOwn(app.lastUsed, hash));
      const remove = forgotten.length
        ? ` REMOVE ${forgotten.map((_, index) => `#lastUsed.#forgotten${index}`).join(', ')}`
        : '';
      const pinned: TransactItem[] = [
        {
          Update: {
            TableName: table(),
            Key: applicationKey(scope.organizationId, app.id),
            UpdateExpression: `SET #keys = :keys, #version = #version + :one, #updatedAt = :now${remove}`,
            ConditionExpression: atVersion,
            ExpressionAttributeNames: {
              '#keys': 'keys',
              '#version': 'version',
              '#updatedAt': 'updatedAt',
              ...(forgotten.length ? { '#lastUsed': 'lastUsed' } : {}),
              ...Object.fromEntries(forgotten.map((hash, index) => [`#forgotten${index}`, hash])),
            },
            ExpressionAttributeValues: {
              ':keys': change.slots,
              ':one': 1,
              ':version': app.version,
              ':now': now.toISOString(),
            },
          },
        },
      ];
      if (change.issued) {
        pinned.push({
          Put: {
            TableName: table(),
            Item: keyItem(app, change.issued.slot, change.issued.record),
            ConditionExpression: isNew,
          },
        });
      }
      for (const move of change.moves) {
        pinned.push({
          Update: {
            TableName: table(),
            Key: apiKeyKey(move.keyHash),
            UpdateExpression: move.expiresAt
              ? 'SET #slot = :slot, expiresAt = :expiresAt, #ttl = :ttl'
              : 'SET #slot = :slot REMOVE expiresAt, #ttl',
            ExpressionAttributeNames: { '#slot': 'slot', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':slot': move.slot,
              ...(move.expiresAt ? { ':expiresAt': move.expiresAt, ':ttl': epochSeconds(move.expiresAt) } : {}),
            },
          },
        });
      }
      pinned.push(outboxPut(table(), event));
      const outcome = await transactWrite({
        TransactItems: [
          ...tenantTransactItems(scope, pinned),
          ...change.deletes.map((hash) => deleteKey(table(), scope.organizationId, hash)),
        ],
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'changed';
      throw new Error(`application ${app.id}: key items disagree with its slots (${outcome.failed.join(',')})`);
    },

    async softDelete(scope, app, now, event) {
      const at = now.toISOString();
      const { keys: _slots, ...rest } = app;
      const outcome = await transactWrite({
        TransactItems: [
          ...tenantTransactItems(scope, [
            {
              Delete: {
                TableName: table(),
                Key: applicationKey(scope.organizationId, app.id),
                ConditionExpression: atVersion,
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': app.version },
              },
            },
            {
              Put: {
                TableName: table(),
                Item: {
                  ...deletedApplicationKey(scope.organizationId, app.id),
                  entity: 'DeletedApplication',
                  ...rest,
                  keys: EMPTY_SLOTS,
                  deletedAt: at,
                  updatedAt: at,
                },
                ConditionExpression: isNew,
              },
            },
            {
              Update: {
                TableName: tables.organizations(),
                Key: usageKey(scope.organizationId),
                UpdateExpression: 'SET applications = applications - :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            outboxPut(table(), event),
          ]),
          ...[app.keys.current, app.keys.next, app.keys.previous]
            .flatMap((slot) => (slot ? [slot.keyHash] : []))
            .map((hash) => deleteKey(table(), scope.organizationId, hash)),
        ],
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'changed';
      throw new Error(`application ${app.id}: delete failed (${outcome.failed.join(',')})`);
    },
  };
}
