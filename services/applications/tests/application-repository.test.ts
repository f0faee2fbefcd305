// The application repository against DynamoDB Local: a PATCH is written only over the version it
// was computed from (its key items with it, or nothing), and the expiring index finds exactly the
// applications whose notice is due, each marked once.
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import { documentClient, tables, usageKey } from '@tenantry/dynamo';
import type { NewDomainEvent } from '@tenantry/events';
import { dynamoApplicationRepository } from '../src/data/application-repository';
import type { ApplicationState } from '../src/domain/model';
import { EMPTY_SLOTS, expiryDayOf, generateApiKey } from '../src/domain/rules';
import { keyItem } from './support';

const repository = dynamoApplicationRepository(documentClient());
afterAll(() => documentClient().destroy());

const DAY = 86_400_000;
const NOW = new Date();
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
const event = (organizationId: string): NewDomainEvent => ({
  type: 'application.updated',
  organizationId,
  actor: { kind: 'user', id: 'u1' },
  data: {},
});

/** A stored application with its current key, written by the repository itself. */
async function stored(extra: Partial<ApplicationState> = {}) {
  const organizationId = `org_${randomUUID().replaceAll('-', '')}`;
  // The organization's usage item, as the organizations service creates it (the create counts on it).
  await documentClient().send(
    new PutCommand({ TableName: tables.organizations(), Item: { ...usageKey(organizationId), organizationId } }),
  );
  const issued = generateApiKey(NOW);
  const app: ApplicationState = {
    id: `app_${randomUUID().replaceAll('-', '')}`,
    organizationId,
    name: 'Billing sync',
    scopes: ['applications:self'],
    keys: { ...EMPTY_SLOTS, current: issued.slot },
    secretCount: 0,
    version: 1,
    lastUsed: {},
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...extra,
  };
  expect(await repository.create({ organizationId }, app, issued.slot, 10, event(organizationId))).toBe('ok');
  return { app, key: issued.key, scope: { organizationId } };
}

describe('update', () => {
  it('writes the scopes and expiry to the application and its key item, and bumps the version', async () => {
    const { app, key, scope } = await stored();
    const updated = await repository.update(
      scope,
      app,
      { scopes: ['applications:self', 'audit:read'], expiresAt: at(20) },
      NOW,
      event(app.organizationId),
    );
    expect(updated).toMatchObject({ version: 2, scopes: ['applications:self', 'audit:read'], expiresAt: at(20) });
    expect(await repository.find(app.organizationId, app.id)).toMatchObject({ version: 2, expiresAt: at(20) });
    expect(await keyItem(key)).toMatchObject({ scopes: ['applications:self', 'audit:read'], expiresAt: at(20) });
  });

  it('answers changed, and writes nothing, over a version that moved on', async () => {
    const { app, key, scope } = await stored();
    expect(await repository.update(scope, app, { name: 'First' }, NOW, event(app.organizationId))).not.toBe('changed');
    const stale = await repository.update(scope, app, { scopes: ['audit:read'] }, NOW, event(app.organizationId));
    expect(stale).toBe('changed');
    expect((await repository.find(app.organizationId, app.id))?.scopes).toEqual(['applications:self']);
    expect((await keyItem(key))?.scopes).toEqual(['applications:self']);
  });
});

describe('the expiring index', () => {
  it('finds an application by the day and window of its expiry, never its key items, and marks it once', async () => {
    const { app } = await stored({ expiresAt: at(5) });
    const { app: later } = await stored({ expiresAt: at(9) });
    const day = expiryDayOf(at(5));
    const found = await repository.expiringBetween(day, NOW.toISOString(), at(7));
    expect(found).toContainEqual({ id: app.id, organizationId: app.organizationId, name: app.name, expiresAt: at(5) });
    expect(found.map((item) => item.id)).not.toContain(later.id);

    const candidate = found.find((item) => item.id === app.id)!;
    expect(await repository.markExpiring(candidate, NOW, event(app.organizationId))).toBe('ok');
    expect(await repository.markExpiring(candidate, NOW, event(app.organizationId))).toBe('changed');
    expect((await repository.expiringBetween(day, NOW.toISOString(), at(7))).map((item) => item.id)).not.toContain(
      app.id,
    );
  });

  it('does not mark an expiry that changed since it was found', async () => {
    const { app, scope } = await stored({ expiresAt: at(5) });
    const [candidate] = (await repository.expiringBetween(expiryDayOf(at(5)), NOW.toISOString(), at(7))).filter(
      (item) => item.id === app.id,
    );
    expect(await repository.update(scope, app, { expiresAt: at(30) }, NOW, event(app.organizationId))).not.toBe(
      'changed',
    );
    expect(await repository.markExpiring(candidate!, NOW, event(app.organizationId))).toBe('changed');
  });
});
