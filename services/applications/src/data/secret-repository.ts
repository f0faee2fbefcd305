/**
 * Secrets in DynamoDB (applications table, `SECRET#<appId>#<name>` under the organization). The
 * value is stored sealed (`sealed`), never in plaintext; the application's `secretCount` moves with
 * every created secret in the same transaction, so the cap of 50 holds under concurrency.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, organizationPk, queryPage, tables, transactWrite } from '@tenantry/dynamo';
import { tenantTransactItems } from '@tenantry/security';
import type { SecretState, SecretSummary } from '../domain/model';
import type { SecretRepository } from '../domain/ports';
import { exists, isNew, secretSlotFree } from './conditions';
import { applicationKey, secretKey, secretPrefix } from './keys';

type Item = Record<string, unknown>;

function toSecret(item: Item): SecretState {
  return {
    applicationId: String(item.applicationId),
    name: String(item.name),
    sealed: String(item.sealed),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}

/** The DynamoDB implementation of {@link SecretRepository}. */
export function dynamoSecretRepository(client: DynamoDBDocumentClient): SecretRepository {
  const table = () => tables.applications();

  async function applicationExists(organizationId: string, applicationId: string): Promise<boolean> {
    const { Item } = await client.send(
      new GetCommand({
        TableName: table(),
        Key: applicationKey(organizationId, applicationId),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  }

  return {
    async create(scope, secret, max) {
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems(scope, [
          {
            Update: {
              TableName: table(),
              Key: applicationKey(scope.organizationId, secret.applicationId),
              UpdateExpression: 'SET secretCount = if_not_exists(secretCount, :zero) + :one',
              ConditionExpression: secretSlotFree,
              ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': max },
            },
          },
          {
            Put: {
              TableName: table(),
              Item: {
                ...secretKey(scope.organizationId, secret.applicationId, secret.name),
                entity: 'Secret',
                ...secret,
              },
              ConditionExpression: isNew,
            },
          },
        ]),
      });
      if (outcome.ok) return 'ok';
      if (outcome.failed.includes(1)) return 'exists';
      return (await applicationExists(scope.organizationId, secret.applicationId)) ? 'limit' : 'missing';
    },

    async replace(scope, secret) {
      const key = secretKey(scope.organizationId, secret.applicationId, secret.name);
      const outcome = await transactWrite({
        TransactItems: tenantTransactItems(scope, [
          {
            ConditionCheck: {
              TableName: table(),
              Key: applicationKey(scope.organizationId, secret.applicationId),
              ConditionExpression: exists,
            },
          },
          {
            Update: {
              TableName: table(),
              Key: key,
              UpdateExpression: 'SET sealed = :sealed, updatedAt = :now',
              ConditionExpression: exists,
              ExpressionAttributeValues: { ':sealed': secret.sealed, ':now': secret.updatedAt },
            },
          },
        ]),
      });
      if (!outcome.ok) return 'missing';
      const { Item } = await client.send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
      return Item ? toSecret(Item) : 'missing';
    },

    async find(organizationId, applicationId, name) {
      const appKey = applicationKey(organizationId, applicationId);
      const key = secretKey(organizationId, applicationId, name);
      const found = await batchGetAll(client, {
        [table()]: { Keys: [{ ...appKey }, { ...key }], ConsistentRead: true },
      });
      const items = found[table()] ?? [];
      const app = items.find((item) => item.sk === appKey.sk);
      const secret = items.find((item) => item.sk === key.sk);
      return app && secret ? toSecret(secret) : undefined;
    },

    async list(organizationId, applicationId, page) {
      const pk = organizationPk(organizationId);
      const prefix = secretPrefix(applicationId);
      const result = await queryPage(
        client,
        {
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          // Names and timestamps only: the sealed values are never read for a listing.
          ProjectionExpression: 'applicationId, #name, createdAt, updatedAt',
          ExpressionAttributeNames: { '#name': 'name' },
          ConsistentRead: true,
        },
        { limit: page.limit, cursor: page.cursor, shape: { equals: { pk }, prefixes: { sk: prefix } } },
      );
      const items: SecretSummary[] = result.items.map((item) => ({
        applicationId: String(item.applicationId),
        name: String(item.name),
        createdAt: String(item.createdAt),
        updatedAt: String(item.updatedAt),
      }));
      return { items, nextCursor: result.nextCursor };
    },
  };
}
