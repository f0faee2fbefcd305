// jest global setup: one platform on the test ports for the whole run, DynamoDB in memory,
// every log in a temporary folder. Tests find it through the environment (see docs/CONVENTIONS.md).
// jest loads this module and global-teardown.ts separately (as CommonJS, even in ESM mode), so the
// platform's stop function reaches the teardown through globalThis.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyPorts, startPlatform } from '../platform';
import { TEST_PORT_OFFSETS } from '../ports';

/**
 * The test platform's rate limits: the schemas' times this (docs/adr/0003-rate-limits.md), so that
 * suites racing 100 concurrent requests through one organization measure what they test, not the
 * limiter. The rate-limit tests read the limits the platform applies from RATE_LIMIT_SCALE.
 */
export const TEST_RATE_LIMIT_SCALE = 50;

/** Where setup leaves the platform's stop function for global-teardown.ts. */
export const STOP_TEST_PLATFORM = Symbol.for('tenantry.stopTestPlatform');

export default async function setup(): Promise<void> {
  (globalThis as Record<symbol, unknown>)[STOP_TEST_PLATFORM] = await startTestPlatform();
}

/** Starts the test platform (nothing with TENANTRY_TEST_PLATFORM=off); resolves to its stop function. */
export async function startTestPlatform(): Promise<() => Promise<void>> {
  if (process.env.TENANTRY_TEST_PLATFORM === 'off') return async () => undefined;
  const { portOffset, release } = await claimTestPorts();
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-test-'));
  const platform = await startPlatform({
    portOffset,
    dataDir,
    inMemory: true,
    rateLimitScale: TEST_RATE_LIMIT_SCALE,
    logs: { kind: 'file', path: (name) => join(dataDir, 'logs', `${name}.log`) },
  }).catch((error: unknown) => {
    release();
    throw error;
  });
  Object.assign(process.env, platform.env, { TENANTRY_BASE_URL: platform.baseUrl, TENANTRY_DATA_DIR: dataDir });
  return async () => {
    await platform.stop();
    release();
    if (!process.env.TENANTRY_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The first test port layout that no other run holds and nothing listens on, so test runs work
 * beside `npm start` and each other. A lock file (created exclusively, holding our pid) makes the
 * claim atomic between runs that start at the same moment; a dead run's lock is taken over.
 */
async function claimTestPorts(): Promise<{ portOffset: number; release: () => void }> {
  for (const offset of TEST_PORT_OFFSETS) {
    const lock = join(tmpdir(), `tenantry-test-ports-${offset}.lock`);
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      const holder = Number(readFileSync(lock, 'utf8'));
      if (!holder || isAlive(holder)) continue; // empty: its holder is writing its pid right now
      rmSync(lock, { force: true });
      try {
        fd = openSync(lock, 'wx');
      } catch {
        continue;
      }
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    const release = () => rmSync(lock, { force: true });
    if ((await busyPorts(offset)).length === 0) return { portOffset: offset, release };
    release();
  }
  throw new Error(`every test port layout (offsets ${TEST_PORT_OFFSETS.join(', ')}) is in use`);
}
