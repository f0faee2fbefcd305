// serverless-plugin.cjs builds a service's bundles again only when something they were built from
// changed: the stamp it leaves beside them, and the check it makes at the next start.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

const { buildStamp } = createRequire(import.meta.url)('../serverless-plugin.cjs') as {
  buildStamp: {
    writeStamp(stampFile: string, options: unknown, files: string[]): void;
    isUpToDate(stampFile: string, options: unknown): boolean;
  };
};

const dir = mkdtempSync(join(tmpdir(), 'tenantry-build-stamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stamp = join(dir, '.tenantry-build.json');
const handler = join(dir, 'handler.ts');
const shared = join(dir, 'shared.ts');
const options = { entryPoints: [handler], minify: true };

describe('the build stamp', () => {
  it('says up to date for the same options and unchanged inputs, and not otherwise', () => {
    expect(buildStamp.isUpToDate(stamp, options)).toBe(false); // no stamp yet

    writeFileSync(handler, 'export const handler = 1;');
    writeFileSync(shared, 'export const shared = 1;');
    buildStamp.writeStamp(stamp, options, [handler, shared, '<define:process.env>']);
    expect(buildStamp.isUpToDate(stamp, options)).toBe(true);
    expect(buildStamp.isUpToDate(stamp, { ...options, minify: false })).toBe(false);

    // The same size, a new modification time: an editor's save.
    writeFileSync(shared, 'export const shared = 2;');
    utimesSync(shared, new Date(), new Date(Date.now() + 5_000));
    expect(buildStamp.isUpToDate(stamp, options)).toBe(false);

    buildStamp.writeStamp(stamp, options, [handler, shared]);
    rmSync(handler);
    expect(buildStamp.isUpToDate(stamp, options)).toBe(false);
  });
});
