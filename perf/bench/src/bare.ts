// The floors of R1 and R4: a handler with no security layer, no validation and no middleware, doing
// only the DynamoDB call the secured route's answer rests on, with the services' own client and keys.
// Bench-only (see ../serverless.yml): never part of a deployed package.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient, organizationKey, tables } from '../../../packages/dynamo/src/index';
import { applicationKey } from '../../../services/applications/src/data/keys';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function getItem(table: string, key: Record<string, string>): Promise<APIGatewayProxyStructuredResultV2> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: table, Key: key }));
  return Item ? json(200, Item) : json(404, { error: { code: 'NOT_FOUND' } });
}

export const health: Handler = async () => json(200, { status: 'ok' });

export const getOrganization: Handler = async (event) =>
  getItem(tables.organizations(), organizationKey(event.pathParameters?.orgId ?? ''));

export const getApplication: Handler = async (event) =>
  getItem(tables.applications(), applicationKey(event.pathParameters?.orgId ?? '', event.pathParameters?.appId ?? ''));

/** The body is an application item as the service stores it; it is put under a fresh id, if absent. */
export const putApplication: Handler = async (event) => {
  const item = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
  const id = `app_bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const key = applicationKey(event.pathParameters?.orgId ?? '', id);
  await documentClient().send(
    new PutCommand({
      TableName: tables.applications(),
      Item: { ...item, ...key, id },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return json(201, { id });
};
