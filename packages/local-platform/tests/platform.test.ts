import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { documentClient, organizationPk, tables } from '@tenantry/dynamo';
import { dynamoEventOutbox, outboxKey } from '@tenantry/events';
import { baseUrl, eventually, testUser } from '../src/testing';

const services = ['applications', 'memberships', 'notifications', 'organizations'];

describe('the local platform behind one base URL', () => {
  it.each(services)('routes GET /health/%s to its service', async (service) => {
    const response = await fetch(`${baseUrl()}/health/${service}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ service, status: 'ok' });
  });

  it('reports every service on GET /health', async () => {
    const response = await fetch(`${baseUrl()}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      services: Object.fromEntries(services.map((service) => [service, { status: 'ok' }])),
    });
  });

  it('answers a route no service declares with a 404 in the error format of contract §8', async () => {
    const response = await fetch(`${baseUrl()}/no-such-route`, { method: 'POST' });

    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: Record<string, string> };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.requestId).toEqual(expect.any(String));
  });

  it('creates confirmed users with verified emails and platform groups in the local user pool', async () => {
    const user = await testUser({ group: 'EMPLOYEE' });

    const claims = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({
      email: user.email,
      email_verified: true,
      token_use: 'id',
      aud: process.env.AUTH_CLIENT_ID,
      iss: process.env.AUTH_ISSUER,
      'cognito:groups': ['EMPLOYEE'],
    });
  });

  it('creates users whose ID token says their email is not verified, when asked', async () => {
    const user = await testUser({ emailVerified: false });

    const claims = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString());
    expect(claims.email).toBe(user.email);
    expect(claims.email_verified).toBe(false);
  });

  it("relays an event from a service's outbox, through its stream and the bus, to another service's subscriber", async () => {
    const organizationId = `org-${crypto.randomUUID()}`;
    process.env.SERVICE_NAME = 'tenantry-organizations';

    // As the organizations service writes it: an outbox item in its own table.
    await dynamoEventOutbox().record([
      { type: 'organization.updated', organizationId, actor: { kind: 'user', id: 'user-1' }, data: { name: 'Acme' } },
    ]);

    const audit = await eventually(async () => {
      const { Items = [] } = await documentClient().send(
        new QueryCommand({
          TableName: tables.notifications(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': organizationPk(organizationId) },
        }),
      );
      return Items.length > 0 ? Items : undefined;
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ type: 'organization.updated', data: { name: 'Acme' } });
    // Published, so the relay deleted the outbox item.
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tables.organizations(), Key: outboxKey(String(audit[0]!.id)), ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
  });
});
