// The dependency rules of .dependency-cruiser.cjs, run through dependency-cruiser's API on a tiny
// repository laid out like ours (workspace packages linked into node_modules as pnpm does): each rule
// names the import it forbids, and the imports it allows stay quiet.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const configFile = join(import.meta.dirname, '..', '.dependency-cruiser.cjs');

const packages: Record<string, Record<string, string>> = {
  dynamo: { '.': './src/index.ts' },
  models: { '.': './src/index.ts' },
  'local-platform': { '.': './src/index.ts', './testing': './src/testing/index.ts' },
  security: { '.': './src/index.ts', './testing': './src/testing.ts' },
};

const files: Record<string, string> = {
  'services/alpha/src/data/repository.ts': 'export const repository = 1;',
  'services/alpha/src/domain/ports.ts': "export type { Page } from '@tenantry/models';",
  'services/alpha/src/domain/impure.ts': [
    "import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import type { Item } from '@tenantry/dynamo';",
    "import { repository } from '../data/repository';",
    'export type Impure = [DynamoDBClient, Item, typeof repository];',
  ].join('\n'),
  'services/alpha/src/functions/get/handler.ts': [
    "import { repository } from '../../data/repository';",
    "import { dependencies } from '../../runtime';",
    'export const handler = () => [repository, dependencies];',
  ].join('\n'),
  'services/alpha/src/runtime.ts': [
    "import { repository } from './data/repository';",
    "import { platform } from '@tenantry/local-platform';",
    "import { call } from '@tenantry/security/testing';",
    "import { helper } from '../tests/support';",
    'export const dependencies = [repository, platform, call, helper];',
  ].join('\n'),
  'services/alpha/src/runtime.test.ts': "import { dependencies } from './runtime';\nexport const used = dependencies;",
  'services/alpha/tests/support.ts': [
    "import { stubEnv } from '@tenantry/local-platform/testing';",
    "import { call } from '@tenantry/security/testing';",
    'export const helper = [stubEnv, call];',
  ].join('\n'),
  'services/beta/src/runtime.ts':
    "import { repository } from '../../alpha/src/data/repository';\nexport const x = repository;",
  'packages/dynamo/src/index.ts':
    "import { x } from '../../../services/beta/src/runtime';\nexport type Item = typeof x;",
  'packages/models/src/index.ts': 'export interface Page<T> { items: T[] }',
  'packages/local-platform/src/index.ts':
    "import { stubEnv } from './testing/index';\nexport const platform = stubEnv;",
  'packages/local-platform/src/testing/index.ts': 'export const stubEnv = 1;',
  'packages/security/src/index.ts': 'export const route = 1;',
  'packages/security/src/testing.ts': "import { route } from './index';\nexport const call = route;",
};

let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tenantry-dependency-rules-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  mkdirSync(join(root, 'node_modules', '@tenantry'), { recursive: true });
  for (const [name, exports] of Object.entries(packages)) {
    write(`packages/${name}/package.json`, JSON.stringify({ name: `@tenantry/${name}`, type: 'module', exports }));
    symlinkSync(join(root, 'packages', name), join(root, 'node_modules', '@tenantry', name), 'dir');
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the dependency rules (.dependency-cruiser.cjs)', () => {
  it('name every forbidden import, through @tenantry/* links, and only those', async () => {
    const options = await extractDepcruiseOptions(configFile);
    const { output } = await cruise(['services', 'packages'], { ...options, baseDir: root });
    const violations =
      typeof output === 'string' ? [] : output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);

    expect(violations.sort()).toEqual(
      [
        'handler-imports-data: services/alpha/src/functions/get/handler.ts → services/alpha/src/data/repository.ts',
        'domain-imports-data-or-aws: services/alpha/src/domain/impure.ts → @aws-sdk/client-dynamodb',
        'domain-imports-data-or-aws: services/alpha/src/domain/impure.ts → packages/dynamo/src/index.ts',
        'domain-imports-data-or-aws: services/alpha/src/domain/impure.ts → services/alpha/src/data/repository.ts',
        'service-imports-another-service: services/beta/src/runtime.ts → services/alpha/src/data/repository.ts',
        'package-imports-service: packages/dynamo/src/index.ts → services/beta/src/runtime.ts',
        'runtime-imports-local-platform: services/alpha/src/runtime.ts → packages/local-platform/src/index.ts',
        'runtime-imports-test-code: services/alpha/src/runtime.ts → packages/security/src/testing.ts',
        'runtime-imports-test-code: services/alpha/src/runtime.ts → services/alpha/tests/support.ts',
      ].sort(),
    );
  });
});
