/**
 * Applications and their key items in DynamoDB (applications table; the usage counters of the
 * organizations table). Every write to tenant data is pinned with the `@tenantry/security`
 * helpers; reads that decide something are strongly consistent; expected conditional failures come
 * back as outcomes.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
import type { ApplicationChanges, ApplicationRepository, ExpiringApplication } from '../domain/ports';
import type { KeyChange } from '../domain/rules';
import { EMPTY_SLOTS, expiryDayOf, keyExpiry } from '../domain/rules';
import { absentOrOwned, applicationSlotFree, atVersion, awaitsExpiryNotice, exists, isNew } from './conditions';
import { APPLICATION_PREFIX, applicationKey, deletedApplicationKey, EXPIRING_INDEX } from './keys';

type Item = Record<string, unknown>;
type TransactItem = Parameters<typeof tenantTransactItems>[1][number];

const STORAGE = new Set(['pk', 'sk', 'entity', 'expiryDay']);

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

/**
 * The item of an application: while its expiry awaits its notice, `expiryDay` puts it in the sparse
 * `expiring` index (partition: the day of `expiresAt`; sort: `expiresAt`).
 */
function applicationItem(app: ApplicationState) {
  const awaitsNotice = app.expiresAt !== undefined && app.expiringNotifiedAt === undefined;
  return {
    ...applicationKey(app.organizationId, app.id),
    entity: 'Application',
    ...app,
    ...(awaitsNotice ? { expiryDay: expiryDayOf(app.expiresAt!) } : {}),
  };
}

/** The item of a key in `slot` of `app`: the application's scopes and expiry with it. */
function keyItem(app: ApplicationState, slot: KeySlot, record: SlotRecord) {
  const expiresAt = keyExpiry(record.expiresAt, app.expiresAt);
  const stored: ApiKeyRecord = {
    keyHash: record.keyHash,
    organizationId: app.organizationId,
    applicationId: app.id,
    slot,
    scopes: [...app.scopes],
    prefix: record.prefix,
    createdAt: record.createdAt,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
  return apiKeyItem(stored);
}

/** An update of a key item that exists (a previous key past its grace may be gone: never listed here). */
function keyUpdate(table: string, keyHash: string, set: string[], remove: string[], values: Item): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: apiKeyKey(keyHash),
      UpdateExpression: [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : '']
        .filter(Boolean)
        .join(' '),
      ConditionExpression: exists,
      ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
    },
  };
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
          { Put: { TableName: table(), Item: applicationItem(app), ConditionExpression: isNew } },
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

    async update(scope, app, changes: ApplicationChanges, now, event) {
      const at = now.toISOString();
      const set = ['#updatedAt = :now', '#version = #version + :one'];
      const remove: string[] = [];
      const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#version': 'version' };
      const values: Record<string, unknown> = { ':now': at, ':one': 1, ':version': app.version };
      for (const field of ['name', 'description', 'scopes'] as const) {
        if (changes[field] === undefined) continue;
        set.push(`#${field} = :${field}`);
        names[`#${field}`] = field;
        values[`:${field}`] = changes[field];
      }
      if (changes.expiresAt !== undefined) {
        // A new expiry waits for its own notice: back in the index, the previous notice forgotten.
        names['#expiresAt'] = 'expiresAt';
        names['#expiryDay'] = 'expiryDay';
        names['#expiringNotifiedAt'] = 'expiringNotifiedAt';
        remove.push('#expiringNotifiedAt');
        if (changes.expiresAt === null) remove.push('#expiresAt', '#expiryDay');
        else {
          set.push('#expiresAt = :expiresAt', '#expiryDay = :expiryDay');
          values[':expiresAt'] = changes.expiresAt;
          values[':expiryDay'] = expiryDayOf(changes.expiresAt);
        }
      }
      const updated: ApplicationState = {
        ...app,
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.scopes !== undefined ? { scopes: [...changes.scopes] } : {}),
        version: app.version + 1,
        updatedAt: at,
      };
      if (changes.expiresAt !== undefined) {
        delete updated.expiringNotifiedAt;
        if (changes.expiresAt === null) delete updated.expiresAt;
        else updated.expiresAt = changes.expiresAt;
      }
      const pinned: TransactItem[] = [
        {
          Update: {
            TableName: table(),
            Key: applicationKey(scope.organizationId, app.id),
            UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
            ConditionExpression: atVersion,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
      ];
      // Every key that may still verify carries the application's scopes and expiry: copied in this transaction.
      if (changes.scopes !== undefined || changes.expiresAt !== undefined) {
        for (const slot of [app.keys.current, app.keys.next, app.keys.previous]) {
          if (!slot || (slot.expiresAt !== undefined && Date.parse(slot.expiresAt) <= now.getTime())) continue;
          const keySet: string[] = [];
          const keyRemove: string[] = [];
          const keyValues: Item = {};
          if (changes.scopes !== undefined) {
            keySet.push('scopes = :scopes');
            keyValues[':scopes'] = [...changes.scopes];
          }
          if (changes.expiresAt !== undefined) {
            const expiry = keyExpiry(slot.expiresAt, updated.expiresAt);
            if (expiry === undefined) keyRemove.push('expiresAt');
            else {
              keySet.push('expiresAt = :expiresAt');
              keyValues[':expiresAt'] = expiry;
            }
          }
          pinned.push(keyUpdate(table(), slot.keyHash, keySet, keyRemove, keyValues));
        }
      }
      pinned.push(outboxPut(table(), event));
      const outcome = await transactWrite({ TransactItems: tenantTransactItems(scope, pinned) });
      if (outcome.ok) return updated;
      if (outcome.failed.includes(0)) return 'changed';
      throw new Error(`application ${app.id}: key items disagree with its slots (${outcome.failed.join(',')})`);
    },

    async expiringBetween(day, from, until) {
      const found: ExpiringApplication[] = [];
      let start: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: table(),
            IndexName: EXPIRING_INDEX,
            KeyConditionExpression: 'expiryDay = :day AND expiresAt BETWEEN :from AND :until',
            ExpressionAttributeValues: { ':day': day, ':from': from, ':until': until },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          found.push({
            id: String(item.id),
            organizationId: String(item.organizationId),
            name: String(item.name),
            expiresAt: String(item.expiresAt),
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    },

    async markExpiring(app, now, event) {
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems({ organizationId: app.organizationId }, [
          {
            Update: {
              TableName: table(),
              Key: applicationKey(app.organizationId, app.id),
              UpdateExpression: 'SET expiringNotifiedAt = :now REMOVE expiryDay',
              ConditionExpression: awaitsExpiryNotice,
              ExpressionAttributeValues: { ':now': now.toISOString(), ':expiresAt': app.expiresAt },
            },
          },
          outboxPut(table(), event),
        ]),
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(0)) return 'changed';
      throw new Error(`outbox item of ${event.type} already exists (id collision)`);
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
        // The key stops at the earlier of its grace (a previous key) and the application's expiry;
        // TTL removes the item only after a grace, since an application's expiry may still be extended.
        const expiresAt = keyExpiry(move.expiresAt, app.expiresAt);
        const set = [
          '#slot = :slot',
          ...(expiresAt ? ['expiresAt = :expiresAt'] : []),
          ...(move.expiresAt ? ['#ttl = :ttl'] : []),
        ];
        const remove = [...(expiresAt ? [] : ['expiresAt']), ...(move.expiresAt ? [] : ['#ttl'])];
        pinned.push({
          Update: {
            TableName: table(),
            Key: apiKeyKey(move.keyHash),
            UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
            ExpressionAttributeNames: { '#slot': 'slot', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':slot': move.slot,
              ...(expiresAt ? { ':expiresAt': expiresAt } : {}),
              ...(move.expiresAt ? { ':ttl': epochSeconds(move.expiresAt) } : {}),
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
