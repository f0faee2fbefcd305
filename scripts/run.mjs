#!/usr/bin/env node
// The one entry behind `npm start`, `npm test`, `npm run cli` and `npm run perf`: it needs nothing but Node and npm.
// It installs the pinned pnpm and the workspace when they are missing or stale, turns every tool's
// telemetry off, then hands over to the workspace's own scripts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const bin = (name) => join(root, 'node_modules', '.bin', name);

const env = {
  ...process.env,
  // turbo looks for the package manager on PATH; the workspace's own pnpm is there.
  PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(':'),
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function installed() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker) || !existsSync(bin('pnpm'))) return false;
  const lock = join(root, 'pnpm-lock.yaml');
  return !existsSync(lock) || statSync(lock).mtimeMs <= statSync(marker).mtimeMs;
}

function ensureInstalled() {
  if (installed()) return;
  console.log(`[tenantry] installing the workspace with pnpm ${pnpmVersion}…`);
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  const status = run('npx', ['--yes', `pnpm@${pnpmVersion}`, 'install', ...frozen]);
  if (status !== 0) process.exit(status);
}

/** Runs the platform in the foreground; Ctrl-C (or a signal to this process alone) reaches it. */
function runPlatform(args) {
  // Node itself with tsx as its loader, not the tsx command: tsx's command relays Ctrl-C to its child
  // and SIGKILLs it when the child does not confirm within 30 ms, which a loaded machine misses — the
  // platform's processes were then left running without their stop.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'packages/local-platform/src/bin/start.ts'), ...args],
    {
      cwd: root,
      stdio: 'inherit',
      env,
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [command, ...rest] = process.argv.slice(2);
ensureInstalled();

switch (command) {
  case 'start': {
    const built = run(bin('turbo'), ['run', 'build', '--output-logs=errors-only']);
    if (built !== 0) process.exit(built);
    runPlatform(rest);
    break;
  }
  case 'cli':
    process.exit(run(bin('tsx'), [join(root, 'packages/local-platform/src/bin/cli.ts'), ...rest]));
    break;
  case 'test':
    process.exit(run(bin('tsx'), [join(root, 'scripts/test.ts'), ...rest]));
    break;
  case 'perf':
    process.exit(run(bin('pnpm'), ['--filter', '@tenantry/perf', 'run', 'perf', ...rest]));
    break;
  default:
    console.error('usage: node scripts/run.mjs start|test|cli|perf …');
    process.exit(2);
}
