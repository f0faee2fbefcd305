// The transactional outbox of every service, end to end (docs/adr/0002-transactional-outbox.md):
// while the bus refuses the events of organizations, memberships and applications, their writes
// still answer 2xx; the events wait in the services' outboxes, and each reaches the audit log
// exactly once when the bus is back. The outage is the local bus's switch (@tenantry/local-platform),
// limited to those three sources and to a few seconds, so other suites only see their events late.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { tables } from '@tenantry/dynamo';
import { OUTBOX_ENTITY } from '@tenantry/events';
import { createOrganization, eventually, expectStatus, http, join, storedAudit, testUser } from './support';

jest.setTimeout(120_000);

const SOURCES = ['tenantry.organizations', 'tenantry.memberships', 'tenantry.applications'];

async function outage(on: boolean): Promise<void> {
  const response = await fetch(`${process.env.EVENTBRIDGE_ENDPOINT}/_tenantry/outage`, {
    method: on ? 'PUT' : 'DELETE',
    body: JSON.stringify({ sources: SOURCES }),
  });
  expect(response.status).toBe(200);
}

afterEach(() => outage(false));

describe('the transactional outbox', () => {
  it('acknowledges writes while the bus is down, and delivers every event exactly once when it returns', async () => {
    // Arrange: an organization with an ADMIN, its first events delivered
    const [owner, admin] = await Promise.all([testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, admin, 'ADMIN');
    const before = await eventually(async () => {
      const found = await storedAudit(orgId);
      return found.length === 3 ? found : undefined;
    });
    // …and relayed: a relay deletes its outbox items once the bus took them, which may be after the
    // audit consumer already stored them (under load, seconds after).
    await eventually(async () => ((await outboxItemsOf(orgId)) === 0 ? true : undefined));

    // Act: writes of three services while the bus refuses their events
    await outage(true);
    expectStatus(
      await http('PATCH', `/organizations/${orgId}`, { token: owner.token, body: { name: 'During the outage' } }),
      200,
      'update organization',
    );
    expectStatus(
      await http('POST', `/organizations/${orgId}/invitations`, {
        token: admin.token,
        body: { email: `later-${randomUUID()}@example.test`, role: 'MEMBER' },
      }),
      201,
      'invite',
    );
    const app = expectStatus(
      await http('POST', `/organizations/${orgId}/applications`, { token: admin.token, body: { name: 'Billing' } }),
      201,
      'create application',
    );
    expectStatus(
      await http('POST', `/organizations/${orgId}/applications/${app.application.id}/api-keys/rotate`, {
        token: admin.token,
      }),
      200,
      'rotate key',
    );
    // Every write was acknowledged; none of their events got through (the relays retry meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await storedAudit(orgId)).map((entry) => entry.id).sort()).toEqual(before.map((entry) => entry.id).sort());
    expect(await outboxItemsOf(orgId)).toBe(4);
    await outage(false);

    // Assert: each event arrives, once
    const after = await eventually(async () => {
      const found = await storedAudit(orgId);
      return found.length >= 7 ? found : undefined;
    });
    expect(after.map((entry) => entry.type).sort()).toEqual(
      [
        'organization.created',
        'invitation.created',
        'invitation.accepted',
        'organization.updated',
        'invitation.created',
        'application.created',
        'api_key.rotated',
      ].sort(),
    );
    expect(new Set(after.map((entry) => entry.id)).size).toBe(7);
    expect(await eventually(async () => ((await outboxItemsOf(orgId)) === 0 ? 0 : undefined))).toBe(0);
  });
});

/**
 * The organization's outbox items not yet relayed, in the three services' tables. The outbox has no
 * index by organization (the relay never needs one), so this test-only check scans, with a client of
 * its own: the services' clients refuse scans in tests.
 */
async function outboxItemsOf(organizationId: string): Promise<number> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
  let count = 0;
  try {
    for (const table of [tables.organizations(), tables.memberships(), tables.applications()]) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: table,
            FilterExpression: 'entity = :outbox AND organizationId = :org',
            ExpressionAttributeValues: { ':outbox': OUTBOX_ENTITY, ':org': organizationId },
            ExclusiveStartKey: start,
          }),
        );
        count += page.Items?.length ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
  }
  return count;
}
