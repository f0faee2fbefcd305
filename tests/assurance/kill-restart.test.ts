// Nothing lost (contract §7): a platform of its own (`npm start`'s entry, data on disk, port layout
// PORT_LAYOUTS.killRestart) is killed with SIGKILL — every process of it at once, as a crash or the
// OOM killer would — in the middle of a run of writes, then started again on the same data.
// Everything acknowledged with 2xx is still there, and every acknowledged change reaches the audit
// log, once, when the outboxes drain (DynamoDB Local keeps its stream records on disk; the relay
// skips what it already published).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createUser,
  idToken,
  type PlatformInfo,
  PORT_LAYOUTS,
  platformPorts,
  processTree,
  stateFile,
} from '@tenantry/local-platform';
import { eventually } from '@tenantry/local-platform/testing';
import { recordPart } from './support';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const OFFSET = PORT_LAYOUTS.killRestart;
const WRITES = 60;
/** createOrganization allows 10 an hour per user (schemas/rate-limits.yaml). */
const OWNERS = 8;
/** The kill comes once this many writes were acknowledged: the rest are in flight or not yet sent. */
const KILL_AFTER = 20;
const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-kill-'));
const baseUrl = `http://127.0.0.1:${platformPorts(OFFSET).gateway}`;
let platform: ChildProcess | undefined;

/** The platform as `npm start` runs it, on its own ports and data dir; resolves once it is running. */
async function start(): Promise<ChildProcess> {
  const child = spawn(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [
      join(repoRoot, 'packages/local-platform/src/bin/start.ts'),
      '--port-offset',
      String(OFFSET),
      '--data-dir',
      dataDir,
      '--no-reload',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tenantry is running.')) resolve();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`the platform exited with ${code}:\n${output}`)));
  });
  return child;
}

/** SIGKILL to every process of the platform at the same moment: nothing gets to clean up. */
function killHard(child: ChildProcess): void {
  for (const entry of processTree(child.pid!)) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function request(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { items?: unknown[] } };
}

beforeAll(async () => {
  platform = await start();
}, 300_000);

afterAll(async () => {
  if (platform?.exitCode === null) {
    platform.kill('SIGINT');
    await new Promise((resolve) => platform!.once('exit', resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a platform killed with SIGKILL in the middle of a run of writes', () => {
  it('keeps every acknowledged write after a restart, and each reaches the audit log once', async () => {
    // Arrange: owners in this platform's pool, enough that none reaches its 10 creates an hour
    const { pool, cognitoEndpoint } = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as PlatformInfo;
    const tokens: string[] = [];
    for (let owner = 0; owner < OWNERS; owner++) {
      await createUser(cognitoEndpoint, pool, `owner-${owner}@example.test`);
      tokens.push(await idToken(cognitoEndpoint, pool, `owner-${owner}@example.test`));
    }

    // Act: writes four at a time; the kill lands while some are in flight
    const acknowledged = new Map<string, { name: string; token: string }>();
    let next = 0;
    const writer = async () => {
      while (next < WRITES) {
        const write = next++;
        const name = `Crash ${write}`;
        const token = tokens[write % OWNERS]!;
        const reply = await request('POST', '/organizations', token, { name }).catch(() => undefined);
        if (reply?.status === 201) acknowledged.set(String(reply.body.id), { name, token });
        if (acknowledged.size >= KILL_AFTER && platform!.exitCode === null) killHard(platform!);
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acknowledged.size).toBeLessThan(WRITES);
    platform = await start();

    // Assert: every acknowledged organization is there, as written, with its one audit entry
    const failures: string[] = [];
    for (const [id, { name, token }] of acknowledged) {
      const read = await request('GET', `/organizations/${id}`, token);
      if (read.status !== 200 || read.body.name !== name) failures.push(`${id}: ${read.status} ${read.body.name}`);
      const audit = await eventually(
        async () => {
          const page = await request('GET', `/organizations/${id}/audit-log`, token);
          return page.status === 200 && (page.body.items?.length ?? 0) > 0 ? page.body.items : undefined;
        },
        { timeoutMs: 60_000, description: `the audit log of ${id}` },
      ).catch(() => []);
      const created = (audit as Array<{ type: string }>).filter((entry) => entry.type === 'organization.created');
      if (created.length !== 1) failures.push(`${id}: ${created.length} organization.created audit entries`);
    }
    recordPart('killRestart', acknowledged.size, failures.length);
    expect(failures).toEqual([]);
  }, 600_000);
});
