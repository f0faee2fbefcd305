import { describe, expect, it } from '@jest/globals';
import { readVariable } from '@tenantry/config';
import type { OrganizationStore, PrefetchKey } from '../../src/index';
import { cachedOrganizationStore } from '../../src/index';
import { FakeStore, membership, organization } from '../support/fakes';

describe('the organization context cache', () => {
  it('is off unless ORG_CONTEXT_CACHE_TTL_SECONDS is a positive number; a malformed one is refused, naming it', () => {
    expect(readVariable('ORG_CONTEXT_CACHE_TTL_SECONDS', {})).toBe(0);
    expect(readVariable('ORG_CONTEXT_CACHE_TTL_SECONDS', { ORG_CONTEXT_CACHE_TTL_SECONDS: '0' })).toBe(0);
    expect(readVariable('ORG_CONTEXT_CACHE_TTL_SECONDS', { ORG_CONTEXT_CACHE_TTL_SECONDS: '30' })).toBe(30);
    expect(() => readVariable('ORG_CONTEXT_CACHE_TTL_SECONDS', { ORG_CONTEXT_CACHE_TTL_SECONDS: 'abc' })).toThrow(
      'ORG_CONTEXT_CACHE_TTL_SECONDS',
    );
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

  it("reads a route's prefetched items through, in the one load, and never caches them", async () => {
    const inner = new FakeStore().add(organization('acme'), membership('acme', 'alice', 'ADMIN'));
    let version = 1;
    const asked: Array<readonly PrefetchKey[] | undefined> = [];
    const withItems: OrganizationStore = {
      async load(organizationId, userId, prefetch) {
        asked.push(prefetch);
        const loaded = await inner.load(organizationId, userId);
        return { ...loaded, prefetched: prefetch?.map(() => ({ version })) };
      },
    };
    const store = cachedOrganizationStore(withItems, { ttlSeconds: 60 });
    const prefetch = [{ table: 't', key: { pk: 'ORG#acme', sk: 'THING#1' } }];

    expect((await store.load('acme', 'alice', prefetch)).prefetched).toEqual([{ version: 1 }]);
    version = 2;
    expect((await store.load('acme', 'alice', prefetch)).prefetched).toEqual([{ version: 2 }]);
    const cached = await store.load('acme', 'alice');
    expect(cached.membership).toBeDefined();
    expect(cached.prefetched).toBeUndefined();
    expect(asked).toEqual([prefetch, prefetch]);
  });
});
