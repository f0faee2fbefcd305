// vitest global setup: one platform on the test ports for the whole run, DynamoDB in memory,
// every log in a temporary folder. Tests find it through the environment (see docs/CONVENTIONS.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyPorts, startPlatform } from '../platform';
import { TEST_PORT_OFFSETS } from '../ports';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.TENANTRY_TEST_PLATFORM === 'off') return async () => undefined;
  const portOffset = await freeTestPortOffset();
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-test-'));
  const platform = await startPlatform({
    portOffset,
    dataDir,
    inMemory: true,
    logs: { kind: 'file', path: (name) => join(dataDir, 'logs', `${name}.log`) },
  });
  Object.assign(process.env, platform.env, { TENANTRY_BASE_URL: platform.baseUrl, TENANTRY_DATA_DIR: dataDir });
  return async () => {
    await platform.stop();
    if (!process.env.TENANTRY_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
}

/** The first test port layout nothing listens on, so test runs work beside `npm start` and each other. */
async function freeTestPortOffset(): Promise<number> {
  for (const offset of TEST_PORT_OFFSETS) {
    if ((await busyPorts(offset)).length === 0) return offset;
  }
  throw new Error(`every test port layout (offsets ${TEST_PORT_OFFSETS.join(', ')}) is in use`);
}
