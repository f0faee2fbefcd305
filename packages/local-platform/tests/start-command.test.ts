import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dynamoDbClient } from '../src/dynamodb';
import { repoRoot } from '../src/environment';
import { busyPorts, type PlatformInfo, stateFile } from '../src/platform';
import { PORT_LAYOUTS, platformPorts } from '../src/ports';
import {
  kindOf,
  kindsOf,
  liveProcesses,
  type ProcessEntry,
  processesMentioning,
  processTree,
} from '../src/process-tree';

const exec = promisify(execFile);
const OFFSET = PORT_LAYOUTS.startCommand;
const ports = platformPorts(OFFSET);
const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-start-'));
const running: ChildProcess[] = [];

/**
 * Starts the platform through `scripts/run.mjs start`, the command of `npm start` (install check,
 * build, platform), and resolves once it says it is running.
 */
function npmStartEntry(): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['scripts/run.mjs', 'start', '--port-offset', String(OFFSET), '--data-dir', dataDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.push(child);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tenantry is running.')) resolve();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`npm start entry exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output, ready };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

/** What of `tree` (processes of a platform) still runs, with any process naming the platform's data dir. */
function leftovers(tree: ProcessEntry[]): string[] {
  const alive = new Set(liveProcesses().map((entry) => entry.pid));
  const left = [...tree.filter((entry) => alive.has(entry.pid)), ...processesMentioning(dataDir)];
  return [
    ...new Set(left.map((entry) => `${kindOf(entry.command)} (pid ${entry.pid}): ${entry.command.slice(0, 120)}`)),
  ];
}

const cli = (...args: string[]) =>
  exec('npm', ['run', 'cli', '--', ...args], { cwd: repoRoot, env: { ...process.env, TENANTRY_DATA_DIR: dataDir } });

describe('npm start', () => {
  let first: ReturnType<typeof npmStartEntry>;

  beforeAll(async () => {
    first = npmStartEntry();
    await first.ready;
  }, 180_000);

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the base URL, the pool and client ids and how to get a token', () => {
    const info = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as PlatformInfo;
    expect(first.output()).toContain(`Base URL        http://127.0.0.1:${ports.gateway}`);
    expect(first.output()).toContain(info.pool.userPoolId);
    expect(first.output()).toContain(info.pool.clientId);
    expect(first.output()).toContain('npm run cli -- token');
  });

  it('serves every service through the one base URL', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.gateway}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('creates a user with the CLI, repeatably, and prints only its ID token', async () => {
    await cli('user', 'create', 'owner@example.test', '--group', 'OWNER');
    await cli('user', 'create', 'owner@example.test', '--group', 'OWNER');

    const { stdout } = await cli('token', 'owner@example.test');

    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = JSON.parse(Buffer.from(stdout.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ email: 'owner@example.test', email_verified: true, 'cognito:groups': ['OWNER'] });
    // Three `npm run cli` (npm, tsx, the SDK) beside a loaded test run: seconds each, not a limit under test.
  }, 120_000);

  it('keeps no bundling esbuild process once it runs: the bundles are built, esbuild is stopped', () => {
    const kinds = [...kindsOf(processTree(first.child.pid!)).values()];

    expect(kinds).toEqual(
      expect.arrayContaining([
        'dynamodb-local',
        'cognito-local',
        'sls-offline:applications',
        'sls-offline:memberships',
        'sls-offline:notifications',
        'sls-offline:organizations',
      ]),
    );
    expect(kinds).not.toContain('esbuild');
  });

  it('refuses a second start clearly instead of crashing on a port', async () => {
    const second = npmStartEntry();
    second.ready.catch(() => undefined);

    expect(await exited(second.child)).toBe(1);
    expect(second.output()).toContain('already running');
  }, 60_000);

  it('stops every process on Ctrl-C, and a restart keeps the users and the data', async () => {
    const dynamodb = dynamoDbClient(ports.dynamodb);
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'tenantry-local-organizations',
        Item: { pk: { S: 'ORG#kept' }, sk: { S: 'ORG' } },
      }),
    );
    const poolBefore = (JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as PlatformInfo).pool;
    const tree = processTree(first.child.pid!);

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    expect(await busyPorts(OFFSET)).toEqual([]);
    // No DynamoDB Local (java), cognito-local, sls offline (osls) or esbuild of this platform lives on.
    expect(leftovers(tree)).toEqual([]);

    const restarted = npmStartEntry();
    await restarted.ready;
    const poolAfter = (JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as PlatformInfo).pool;
    expect(poolAfter).toEqual(poolBefore);
    expect((await cli('token', 'owner@example.test')).stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const kept = await dynamodb.send(
      new GetItemCommand({
        TableName: 'tenantry-local-organizations',
        Key: { pk: { S: 'ORG#kept' }, sk: { S: 'ORG' } },
      }),
    );
    expect(kept.Item).toBeDefined();

    const restartedTree = processTree(restarted.child.pid!);
    restarted.child.kill('SIGINT');
    expect(await exited(restarted.child)).toBe(0);
    expect(await busyPorts(OFFSET)).toEqual([]);
    expect(leftovers(restartedTree)).toEqual([]);
    dynamodb.destroy();
  }, 180_000);
});
