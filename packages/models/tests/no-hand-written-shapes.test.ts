import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadModel } from '../codegen/load';
import { isRecordObject } from '../codegen/model';
import { packageDir, schemasDir } from './helpers';

const repoDir = join(packageDir, '../..');
const SKIPPED = new Set(['node_modules', 'generated', '.git', '.esbuild', '.serverless', '.local', 'dist', 'coverage']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|py)$/.test(name) ? [path] : [];
  });
}

describe('schemas/ as the one place where shapes are declared', () => {
  it('no TypeScript or Python file outside generated/ declares an entity or body of schemas/ by its name', () => {
    const model = loadModel(schemasDir);
    const names = Object.entries(model.definitions)
      .filter(([, schema]) => isRecordObject(schema))
      .map(([name]) => name);
    // A declaration, not an inline `type X,` of an import list.
    const declaration = new RegExp(
      `^\\s*(export\\s+)?(interface|type|class)\\s+(${names.join('|')})\\b\\s*(=|\\{|<|\\(|:|extends|implements)`,
      'm',
    );
    const offenders = ['packages', 'services']
      .flatMap((folder) => sourceFiles(join(repoDir, folder)))
      .filter((file) => declaration.test(readFileSync(file, 'utf8')))
      .map((file) => relative(repoDir, file));
    expect(offenders).toEqual([]);
  });
});
