import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { busyPorts, startPlatform } from '../src/platform';
import { PORT_LAYOUTS, platformPorts } from '../src/ports';

const OFFSET = PORT_LAYOUTS.failedStart;

it('a start that fails at its last step stops everything it had started', async () => {
  // The gateway starts last: with its port taken, everything else is already running when it fails.
  const blocked = platformPorts(OFFSET).gateway;
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(blocked, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-failed-start-'));
  try {
    await expect(
      startPlatform({
        portOffset: OFFSET,
        dataDir,
        inMemory: true,
        logs: { kind: 'file', path: (name) => join(dataDir, 'logs', `${name}.log`) },
      }),
    ).rejects.toThrow(/EADDRINUSE/);

    expect(await busyPorts(OFFSET)).toEqual([blocked]);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 180_000);
