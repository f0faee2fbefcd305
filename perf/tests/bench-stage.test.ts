// The bench-only routes of perf/bench (figures R1 and R4) exist only for the local platform's stage
// and never in a deployed package.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { describeService, serviceNames, servicesDir } from '@tenantry/local-platform';
import { benchDir, linkBenchModules, repoRoot } from '../src/harness';

const run = promisify(execFile);

describe('the bench-only service', () => {
  it('is declared by no service: no deployed serverless.yml names a bench route or perf/', async () => {
    for (const name of serviceNames()) {
      const yaml = readFileSync(join(servicesDir, name, 'serverless.yml'), 'utf8');
      const described = await describeService(name, 'local', {
        TENANTRY_DATA_DIR: process.env.TENANTRY_DATA_DIR ?? '',
      });

      expect({ name, bench: described.routes.filter((route) => route.path.startsWith('/bench')) }).toEqual({
        name,
        bench: [],
      });
      expect({ name, mentionsPerf: /perf\/bench|src\/(bare|unlimited)/.test(yaml) }).toEqual({
        name,
        mentionsPerf: false,
      });
    }
  });

  it('has its handlers under perf/ only, none under services/', () => {
    const handlers = readdirSync(join(benchDir, 'src'));
    const services = readdirSync(servicesDir, { recursive: true }).map(String);

    expect(handlers.sort()).toEqual(['bare.ts', 'unlimited.ts']);
    expect(services.filter((file) => /(^|\/)(bare|unlimited)\.ts$/.test(file))).toEqual([]);
  });

  it('does not resolve for any stage but local, so it cannot be packaged or deployed', async () => {
    linkBenchModules();
    const printed = await run(
      process.execPath,
      [
        join(repoRoot, 'perf', 'bench', 'node_modules', 'osls', 'bin', 'serverless.js'),
        'print',
        '--stage',
        'prod',
        '--param',
        'userPoolId=x',
        '--param',
        'userPoolClientId=y',
        '--param',
        'httpApiId=z',
        '--param',
        'eventBusName=b',
        '--param',
        'platformKmsKeyId=k',
      ],
      {
        cwd: benchDir,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      },
    ).then(
      () => 'resolved',
      (error: { stderr?: string; stdout?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );

    expect(printed).not.toBe('resolved');
    // stages.yml has no value for it (nor the shared stageEnvironment).
    expect(printed).toMatch(/Value not found/);
  }, 60_000);
});
