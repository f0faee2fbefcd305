/** The generator: schemas/ in, every generated file of packages/models out. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { emitClientTypes } from './emit-client';
import { buildOpenApi, emitOpenApi } from './emit-openapi';
import { emitPython } from './emit-python';
import { emitOperations, emitTypes } from './emit-types';
import { emitValidators } from './emit-validators';
import { loadModel } from './load';

/** Generated file contents by path relative to the output directory (the package root). */
export type GeneratedFiles = Record<string, string>;

export async function generateFiles(schemasDir: string): Promise<GeneratedFiles> {
  const model = loadModel(schemasDir);
  const openapi = buildOpenApi(model);
  return {
    'generated/types.ts': emitTypes(model),
    'generated/operations.ts': emitOperations(model),
    ...emitValidators(model),
    ...emitOpenApi(openapi),
    'generated/openapi-types.ts': await emitClientTypes(openapi),
    'generated/python/tenantry_models/__init__.py': emitPython(model),
  };
}

/** Writes the files whose content changed (an unchanged file is left alone, so readers never see it half-written). */
export function writeFiles(outDir: string, files: GeneratedFiles): string[] {
  const changed = staleFiles(outDir, files);
  for (const path of changed) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, files[path]!);
  }
  return changed;
}

/** The paths whose content on disk differs from what the generator produces. */
export function staleFiles(outDir: string, files: GeneratedFiles): string[] {
  return Object.entries(files)
    .filter(([path, content]) => {
      const target = join(outDir, path);
      return !existsSync(target) || readFileSync(target, 'utf8') !== content;
    })
    .map(([path]) => path);
}
