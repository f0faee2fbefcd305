/**
 * Usage: tsx codegen/generate.ts [--check] [--schemas DIR] [--out DIR]
 * Writes the generated files of @tenantry/models from the YAML of schemas/. With --check, writes
 * nothing and exits 1 naming the files that differ from what the YAML produces.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFiles, staleFiles, writeFiles } from './index';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    schemas: { type: 'string', default: join(packageDir, '../../schemas') },
    out: { type: 'string', default: packageDir },
  },
});
const schemasDir = resolve(values.schemas);
const outDir = resolve(values.out);

const files = await generateFiles(schemasDir);
if (values.check) {
  const stale = staleFiles(outDir, files);
  if (stale.length > 0) {
    console.error(`Generated files are out of date with ${schemasDir}; run the models build:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${Object.keys(files).length} generated files are up to date.`);
} else {
  const changed = writeFiles(outDir, files);
  console.log(
    `Generated ${Object.keys(files).length} files from ${schemasDir} into ${outDir}: ${changed.length} changed.`,
  );
}
