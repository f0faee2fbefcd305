// `npm start` restarts the services a code change reaches (src/reload.ts). On a workspace of its own
// in a temporary folder: no platform needed (TENANTRY_TEST_PLATFORM=off runs it alone).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type SourceWatcher, sourceFolders, watchSources } from '../src/reload';

const root = mkdtempSync(join(tmpdir(), 'tenantry-reload-'));

function write(path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

const manifest = (name: string, dependencies: string[] = []) =>
  JSON.stringify({
    name,
    dependencies: Object.fromEntries(dependencies.map((dependency) => [dependency, 'workspace:*'])),
  });

beforeAll(() => {
  // models ← errors ← security; billing uses security (so errors and models too), audit only models.
  write('packages/models/package.json', manifest('@x/models'));
  write('packages/models/src/index.ts', '');
  write('packages/models/generated/types.ts', '');
  write('packages/errors/package.json', manifest('@x/errors', ['@x/models']));
  write('packages/errors/src/index.ts', '');
  write('packages/security/package.json', manifest('@x/security', ['@x/errors', 'aws-jwt-verify']));
  write('packages/security/src/index.ts', '');
  write('packages/platform/package.json', manifest('@x/platform'));
  write('packages/platform/src/index.ts', '');
  write('services/billing/package.json', manifest('@x/billing', ['@x/security']));
  write('services/billing/src/handler.ts', '');
  write('services/audit/package.json', manifest('@x/audit', ['@x/models']));
  write('services/audit/src/handler.ts', '');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the sources of a service', () => {
  it('are its own src/ and src/ and generated/ of every workspace package it uses, directly or not', () => {
    const folders = sourceFolders(['audit', 'billing'], root);

    expect(folders.get('billing')).toEqual(
      [
        'packages/errors/src',
        'packages/models/generated',
        'packages/models/src',
        'packages/security/src',
        'services/billing/src',
      ].map((path) => join(root, path)),
    );
    expect(folders.get('audit')).toEqual(
      ['packages/models/generated', 'packages/models/src', 'services/audit/src'].map((path) => join(root, path)),
    );
  });
});

/** Watches the workspace while `act` writes files; resolves to the first restart it asks for. */
async function firstRestart(act: () => void): Promise<string[]> {
  let watcher: SourceWatcher | undefined;
  try {
    return await new Promise<string[]>((resolve) => {
      watcher = watchSources({ services: ['audit', 'billing'], onChange: resolve, quietMs: 200, root });
      act();
    });
  } finally {
    watcher?.close();
  }
}

describe('a code change', () => {
  it("in a service's own sources restarts that service alone", async () => {
    expect(await firstRestart(() => write('services/billing/src/handler.ts', 'export const a = 1;'))).toEqual([
      'billing',
    ]);
  });

  it('in a package restarts every service that uses it, once for several files saved together', async () => {
    const restart = await firstRestart(() => {
      write('packages/models/src/index.ts', 'export const b = 2;');
      write('packages/models/generated/types.ts', 'export type B = 2;');
      write('packages/errors/src/new-file.ts', 'export const c = 3;');
    });
    expect(restart).toEqual(['audit', 'billing']);
  });

  it('in a package no service uses, or in a file that is no source, restarts nothing', async () => {
    const restart = await firstRestart(() => {
      write('packages/platform/src/index.ts', 'export const d = 4;');
      write('services/billing/src/handler.ts.swp', 'swap');
      // The first restart after those two changes is the one this asks for.
      write('services/audit/src/handler.ts', 'export const e = 5;');
    });
    expect(restart).toEqual(['audit']);
  });
});
