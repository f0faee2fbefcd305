// PATCH /organizations/{orgId}/applications/{appId} (contract §5): name and description change, and the
// change's `application.updated` event (contract §7) reaches the organization's audit log.
import { describe, expect, it } from '@jest/globals';
import {
  appPath,
  call,
  castOfThisFile,
  createApplication,
  createOrganization,
  eventually,
  type Loose,
} from './support';

const people = castOfThisFile();

describe('updating an application', () => {
  it('answers the changed application and records application.updated in the audit log', async () => {
    const orgId = await createOrganization(people.owner);
    const { app } = await createApplication(orgId, people.owner);

    const reply = await call('PATCH', appPath(orgId, app.id), { user: people.owner }, { name: 'Ledger sync' });

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: app.id, name: 'Ledger sync', keys: app.keys });
    const read = await call('GET', appPath(orgId, app.id), { user: people.owner });
    expect(read.body).toEqual(reply.body);
    const entry = await eventually(async () => {
      const log = await call('GET', `/organizations/${orgId}/audit-log?type=application.updated`, {
        user: people.owner,
      });
      return (log.body?.items as Loose[] | undefined)?.find((item) => item.data?.applicationId === app.id);
    });
    expect(entry).toMatchObject({
      type: 'application.updated',
      organizationId: orgId,
      actor: { kind: 'user', id: people.owner.userId },
      data: { applicationId: app.id, name: 'Ledger sync', changed: ['name'] },
    });
  });
});
