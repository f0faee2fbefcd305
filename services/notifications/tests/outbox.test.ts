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

/** The ids of the events the bus has refused during outages. */
async function refusedByTheBus(): Promise<string[]> {
  const response = await fetch(`${process.env.EVENTBRIDGE_ENDPOINT}/_tenantry/outage`);
  return ((await response.json()) as { refused: string[] }).refused;
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
    await eventually(async () => ((await outboxItemsOf(orgId)).length === 0 ? true : undefined));

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
    // Every write was acknowledged, its event kept in an outbox. Each relay rides out the outage on
    // the first refused batch of its table (a shard's later records wait behind it): once the bus has
    // refused an event of each of the three tables, none of the four has reached the audit log.
    const waiting = await eventually(
      async () => {
        const [byTable, refused] = await Promise.all([outboxItemsByTable(orgId), refusedByTheBus()]);
        return { byTable, items: byTable.flat().sort(), refused: byTable.flat().filter((id) => refused.includes(id)) };
      },
      {
        until: ({ byTable, items, refused }) =>
          items.length === 4 && byTable.every((ids) => ids.some((id) => refused.includes(id))),
        description: 'four outbox items, the bus having refused an event of each of the three tables',
      },
    );
    expect((await storedAudit(orgId)).map((entry) => entry.id).sort()).toEqual(before.map((entry) => entry.id).sort());
    expect(await outboxItemsOf(orgId)).toEqual(waiting.items);
    await outage(false);

    // Assert: each event arrives, once
    const after = await eventually(() => storedAudit(orgId), {
      until: (found) => found.length >= 7,
      description: 'the seven audit entries of the organization',
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
    await eventually(() => outboxItemsOf(orgId), {
      until: (ids) => ids.length === 0,
      description: 'the outboxes to drain',
    });
  });
});

/**
 * The event ids of the organization's outbox items not yet relayed, in the three services' tables. The outbox has no
 * index by organization (the relay never needs one), so this test-only check scans, with a client of
 * its own: the services' clients refuse scans in tests.
 */
async function outboxItemsOf(organizationId: string): Promise<string[]> {
  return (await outboxItemsByTable(organizationId)).flat().sort();
}

/** The organization's outbox items of each service's table (one array a table, in scan order). */
async function outboxItemsByTable(organizationId: string): Promise<string[][]> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
  const byTable: string[][] = [];
  try {
    for (const table of [tables.organizations(), tables.memberships(), tables.applications()]) {
      const ids: string[] = [];
      byTable.push(ids);
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
        ids.push(...(page.Items ?? []).map((item) => (item.event as { id: string }).id));
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
  }
  return byTable.map((ids) => ids.sort());
}
