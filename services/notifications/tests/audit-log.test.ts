// GET /organizations/{orgId}/audit-log: every §7 event of the organization newest first, in pages,
// `?type=`, platform.access entries included; ADMIN+ and platform OWNER/EMPLOYEE only.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import {
  createOrganization,
  eventually,
  expectStatus,
  http,
  join,
  type Loose,
  type TestUser,
  testUser,
} from './support';

// Each test makes tens of requests through the local platform (cold functions included) on a shared
// two-core machine, and waits for events to cross the local bus: more than the default 30 s.
jest.setTimeout(120_000);

/** Every audit entry through the API, page after page. */
async function auditLog(reader: TestUser, orgId: string, query = '', limit = 3): Promise<Loose[]> {
  const items: Loose[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/organizations/${orgId}/audit-log?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = expectStatus(await http('GET', path, { token: reader.token }), 200, 'audit page');
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('the audit log', () => {
  it('lists every event of the organization newest first, page by page, and filters by type', async () => {
    // Arrange: created, two invitations (one accepted), an update
    const [owner, admin] = await Promise.all([testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, admin, 'ADMIN');
    expectStatus(
      await http('POST', `/organizations/${orgId}/invitations`, {
        token: admin.token,
        body: { email: `x-${randomUUID()}@example.test`, role: 'MEMBER' },
      }),
      201,
      'invite',
    );
    expectStatus(
      await http('PATCH', `/organizations/${orgId}`, { token: owner.token, body: { name: 'Renamed' } }),
      200,
      'update',
    );

    // Act
    const entries = await eventually(async () => {
      const found = await auditLog(owner, orgId);
      return found.length >= 5 ? found : undefined;
    });

    // Assert
    expect(entries.map((entry) => entry.type)).toEqual([
      'organization.updated',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'organization.created',
    ]);
    const times = entries.map((entry) => entry.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(entries[2]).toMatchObject({
      organizationId: orgId,
      actor: { kind: 'user', id: admin.userId },
      data: { userId: admin.userId, role: 'ADMIN' },
    });
    expect(Object.keys(entries[0]).sort()).toEqual(['actor', 'data', 'id', 'occurredAt', 'organizationId', 'type']);

    const invitations = await auditLog(admin, orgId, '&type=invitation.created', 1);
    expect(invitations.map((entry) => entry.id)).toEqual([entries[1].id, entries[3].id]);
    expect(await auditLog(owner, orgId, '&type=member.removed')).toEqual([]);
  });

  it('shows platform staff reads as platform.access entries, and audits the staff read of the log itself', async () => {
    const owner = await testUser();
    const employee = await testUser({ group: 'EMPLOYEE' });
    const orgId = await createOrganization(owner);

    expectStatus(await http('GET', `/organizations/${orgId}/members`, { token: employee.token }), 200, 'staff read');
    expectStatus(await http('GET', `/organizations/${orgId}/audit-log`, { token: employee.token }), 200, 'staff audit');

    const access = await eventually(async () => {
      const found = await auditLog(owner, orgId, '&type=platform.access');
      return found.length >= 2 ? found : undefined;
    });
    expect(access.every((entry) => entry.actor.kind === 'platform' && entry.actor.id === employee.userId)).toBe(true);
  });

  it('answers 403 to a MEMBER, 404 to a non-member and for an unknown organization, 400 for a bad query', async () => {
    const [owner, member, stranger] = await Promise.all([testUser(), testUser(), testUser()]);
    const orgId = await createOrganization(owner);
    await join(owner, orgId, member, 'MEMBER');

    const asMember = await http('GET', `/organizations/${orgId}/audit-log`, { token: member.token });
    const asStranger = await http('GET', `/organizations/${orgId}/audit-log`, { token: stranger.token });
    const unknown = await http('GET', `/organizations/org_${randomUUID().replaceAll('-', '')}/audit-log`, {
      token: stranger.token,
    });
    expect(asMember.status).toBe(403);
    expect(asStranger.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(asStranger.body.error.code).toBe(unknown.body.error.code);

    // A cursor of another organization's log is refused, never followed
    const other = await testUser();
    const otherOrg = await createOrganization(other);
    await eventually(async () => ((await auditLog(other, otherOrg)).length > 0 ? true : undefined));
    const foreign = Buffer.from(
      JSON.stringify({ pk: `ORG#${otherOrg}`, sk: 'AUDIT#2030-01-01T00:00:00.000Z#evt_x' }),
    ).toString('base64url');
    for (const query of ['type=nope', `cursor=${foreign}`, 'cursor=abc', 'limit=0']) {
      const reply = await http('GET', `/organizations/${orgId}/audit-log?${query}`, { token: owner.token });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
