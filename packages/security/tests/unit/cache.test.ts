import { describe, expect, it } from '@jest/globals';
import { cachedOrganizationStore } from '../../src/index';
import { cacheTtlFromEnv } from '../../src/organization';
import { FakeStore, membership, organization } from '../support/fakes';

describe('the organization context cache', () => {
  it('is off unless ORG_CONTEXT_CACHE_TTL_SECONDS is a positive number', () => {
    expect(cacheTtlFromEnv({})).toBe(0);
    expect(cacheTtlFromEnv({ ORG_CONTEXT_CACHE_TTL_SECONDS: '0' })).toBe(0);
    expect(cacheTtlFromEnv({ ORG_CONTEXT_CACHE_TTL_SECONDS: 'abc' })).toBe(0);
    expect(cacheTtlFromEnv({ ORG_CONTEXT_CACHE_TTL_SECONDS: '30' })).toBe(30);
  });

  it('lets a removed member keep access for at most the TTL, never longer', async () => {
    let now = 1_000_000;
    const inner = new FakeStore().add(organization('acme'), membership('acme', 'alice', 'ADMIN'));
    const store = cachedOrganizationStore(inner, { ttlSeconds: 30, now: () => now });

    expect((await store.load('acme', 'alice')).membership).toBeDefined();
    inner.memberships.delete('acme#alice');

    now += 29_999;
    expect((await store.load('acme', 'alice')).membership).toBeDefined();
    now += 1;
    expect((await store.load('acme', 'alice')).membership).toBeUndefined();
    expect(inner.loads).toBe(2);
  });

  it('keys entries by organization and user', async () => {
    const inner = new FakeStore()
      .add(organization('acme'), membership('acme', 'alice', 'ADMIN'))
      .add(organization('globex'));
    const store = cachedOrganizationStore(inner, { ttlSeconds: 60 });
    expect((await store.load('acme', 'alice')).membership).toBeDefined();
    expect((await store.load('globex', 'alice')).membership).toBeUndefined();
    expect((await store.load('acme', 'bob')).membership).toBeUndefined();
    expect(inner.loads).toBe(3);
  });

  it('evicts the oldest entry beyond its size bound', async () => {
    const inner = new FakeStore().add(organization('acme'));
    const store = cachedOrganizationStore(inner, { ttlSeconds: 60, maxEntries: 2 });
    await store.load('acme', 'a');
    await store.load('acme', 'b');
    await store.load('acme', 'c');
    await store.load('acme', 'a');
    expect(inner.loads).toBe(4);
  });
});
