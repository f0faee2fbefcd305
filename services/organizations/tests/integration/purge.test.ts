// The daily purge, invoked in-process (no HTTP route): it removes organizations whose 30-day restore
// window has closed, their memberships and invitations, and their data key (crypto-shredding).
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { organizationKeys } from '@tenantry/crypto';
import { documentClient, organizationPk, tables } from '@tenantry/dynamo';
import { call, restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import { lambdaContext } from '@tenantry/security/testing';
import { slugKey } from '../../src/data/keys';
import { dynamoOrganizationRepository } from '../../src/data/organization-repository';
import { dynamoPurgeRepository } from '../../src/data/purge';
import type { DataKeyRecord } from '../../src/domain/model';
import { handler as purge } from '../../src/functions/purgeOrganizations/handler';
import {
  type Cast,
  cast,
  createOrganization,
  expireRestoreWindow,
  itemsUnder,
  organizationWithMembers,
} from '../support';

let people: Cast;
const repository = dynamoOrganizationRepository(documentClient());
const purgeRepository = dynamoPurgeRepository(documentClient());

beforeAll(async () => {
  people = await cast();
  // What stage local gives this service's functions beyond the platform's shared variables.
  stubEnv('SERVICE_NAME', 'tenantry-organizations');
  stubEnv('IDEMPOTENCY_TABLE', 'tenantry-organizations-local-idempotency');
}, 60_000);
afterAll(() => restoreEnv());

const binding = (organizationId: string) => ({
  organizationId,
  entity: 'application/app_1',
  field: 'secret/stripe',
});

describe('purgeOrganizations', () => {
  it('deletes the organization, its memberships, invitations, usage, slug and data key', async () => {
    const organization = await organizationWithMembers(people);
    const id = organization.id;
    // An invitation of the memberships service lives under the same partition of its table.
    await documentClient().send(
      new PutCommand({
        TableName: tables.memberships(),
        Item: { pk: organizationPk(id), sk: 'INVITATION#inv_1', organizationId: id, status: 'PENDING' },
      }),
    );
    const record = (await repository.find(id))?.dataKey as DataKeyRecord;
    const keys = organizationKeys();
    const sealed = await keys.seal(record, binding(id), 'sk_live_secret');
    expect(await keys.openText(record, binding(id), sealed)).toBe('sk_live_secret');
    expect((await call(people.owner, 'DELETE', `/organizations/${id}`)).status).toBe(200);
    await expireRestoreWindow(id);

    const result = await purge({}, lambdaContext());

    expect(result.purged).toContain(id);
    expect(await repository.find(id)).toBeUndefined();
    expect(await itemsUnder(tables.organizations(), id)).toEqual([]);
    expect(await itemsUnder(tables.memberships(), id)).toEqual([]);
    const claim = await documentClient().send(
      new GetCommand({
        TableName: tables.organizations(),
        Key: slugKey(organization.slug),
      }),
    );
    expect(claim.Item).toBeUndefined();
    // The wrapped data key existed only on the organization item: nothing left can open the value.
    keys.forgetOrganization(id);
    const fresh = await keys.createOrganizationKey(id, 'STARTER');
    await expect(keys.openText(fresh, binding(id), sealed)).rejects.toThrow();
    expect((await call(people.platformOwner, 'POST', `/organizations/${id}/restore`)).status).toBe(404);
    expect((await call(people.platformOwner, 'GET', `/organizations/${id}`)).status).toBe(404);
  });

  it('leaves deleted organizations inside their window, and live ones, alone', async () => {
    const recent = await createOrganization(people.owner);
    const live = await createOrganization(people.owner);
    await call(people.owner, 'DELETE', `/organizations/${recent.id}`);

    const result = await purge({}, lambdaContext());

    expect(result.purged).not.toContain(recent.id);
    expect(result.purged).not.toContain(live.id);
    expect((await repository.find(recent.id))?.dataKey).toBeDefined();
    expect((await call(people.owner, 'POST', `/organizations/${recent.id}/restore`)).status).toBe(200);
    expect((await call(people.owner, 'GET', `/organizations/${live.id}`)).status).toBe(200);
  });

  it('re-checks the window on the item itself: asked directly, it does not purge one still restorable', async () => {
    const organization = await createOrganization(people.owner);
    await call(people.owner, 'DELETE', `/organizations/${organization.id}`);

    const result = await purgeRepository.purge(organization.id, new Date());

    expect(result.purged).toBe(false);
    expect(await repository.find(organization.id)).toMatchObject({ status: 'DELETED' });
  });
});
