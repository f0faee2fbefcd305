import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const schemasDir = join(packageDir, '../../schemas');
export const bin = (name: string) => join(packageDir, 'node_modules/.bin', name);

const QUIET_ENV = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  DO_NOT_TRACK: '1',
  NO_COLOR: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

/** Runs a command to its end and returns its exit code and output. */
export function run(command: string, args: string[], input?: string): { status: number; output: string } {
  const result = spawnSync(command, args, { cwd: packageDir, env: QUIET_ENV, encoding: 'utf8', input });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** Runs the generator CLI. */
export function generate(args: string[]): { status: number; output: string } {
  return run(bin('tsx'), [join(packageDir, 'codegen/generate.ts'), ...args]);
}

const made: string[] = [];

/** A fresh directory under the system's temp dir, removed once the test file's tests are done. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
