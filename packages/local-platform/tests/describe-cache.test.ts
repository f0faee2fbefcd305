// The platform reads each service's routes, subscriptions and tables through `sls print` once per
// version of its YAML (src/services.ts): later starts take them from the cache.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeService } from '../src/services';

// A cache of its own, so that no platform starting meanwhile reads the entry this test alters.
const cacheDir = mkdtempSync(join(tmpdir(), 'tenantry-describe-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('describing a service', () => {
  it('runs sls print once, then answers from the cache entry of that YAML', async () => {
    const first = await describeService('organizations', 'local', {}, cacheDir);
    expect(first.routes).toContainEqual({ method: 'GET', path: '/organizations/{orgId}' });
    expect(first.tables.map((table) => table.create.TableName)).toContain('tenantry-local-organizations');

    const entries = readdirSync(cacheDir);
    expect(entries).toEqual([expect.stringMatching(/^organizations-local-[0-9a-f]{16}\.json$/)]);
    const entry = join(cacheDir, entries[0]!);
    // Proof that the next call reads the entry and does not run sls print again: it returns what the entry says.
    writeFileSync(entry, JSON.stringify({ ...JSON.parse(readFileSync(entry, 'utf8')), serviceName: 'from-the-cache' }));

    expect(await describeService('organizations', 'local', {}, cacheDir)).toEqual({
      ...first,
      serviceName: 'from-the-cache',
    });
  }, 120_000);
});
