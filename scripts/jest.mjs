#!/usr/bin/env node
// Runs jest in native ESM mode: `node scripts/jest.mjs [jest options] [paths…]`, e.g.
// `node scripts/jest.mjs services/memberships/tests/roles.test.ts`. Jest's ESM support needs
// Node's --experimental-vm-modules in the jest process and in its workers, hence NODE_OPTIONS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flags = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];
const nodeOptions = [process.env.NODE_OPTIONS, ...flags.filter((flag) => !process.env.NODE_OPTIONS?.includes(flag))]
  .filter(Boolean)
  .join(' ');

const { status, signal, error } = spawnSync(join(root, 'node_modules', '.bin', 'jest'), process.argv.slice(2), {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
if (error) throw error;
process.exit(status ?? (signal ? 1 : 0));
