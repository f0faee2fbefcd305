// Stage `local` of every serverless.yml resolves by itself (`params.local` of services/serverless.shared.yml):
// `sls print`, `sls package` and `sls offline` need no --param flag, and the values are those of the
// running platform, the ones `npm start` gives its own functions and tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { toolEnv } from '../src/environment';
import { type InfrastructureInfo, stateFile } from '../src/platform';
import { platformPorts } from '../src/ports';
import { serviceNames, servicesDir, slsBin } from '../src/services';
import { platformVariable } from '../src/testing';

const run = promisify(execFile);

interface Printed {
  service: string;
  provider: { environment: Record<string, string>; httpApi: { id: string } };
  custom: { 'serverless-offline': { httpPort: number; lambdaPort: number } };
}

/** `sls print --stage <stage>` in the service's folder, with no flag but the stage. */
async function print(name: string, stage: string, env: Record<string, string>): Promise<Printed> {
  const dir = join(servicesDir, name);
  const { stdout } = await run(process.execPath, [slsBin(dir), 'print', '--format', 'json', '--stage', stage], {
    cwd: dir,
    env: toolEnv(env),
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Printed;
}

const names = serviceNames();
const neverStarted = mkdtempSync(join(tmpdir(), 'tenantry-no-platform-'));
afterAll(() => rmSync(neverStarted, { recursive: true, force: true }));

describe('stage local of every service', () => {
  const beforeAnyPlatform = new Map<string, Printed>();
  const withTestPlatform = new Map<string, Printed>();
  let platform: InfrastructureInfo;

  beforeAll(async () => {
    const dataDir = platformVariable('TENANTRY_DATA_DIR');
    platform = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as InfrastructureInfo;
    // Two at a time: the machine has two cores and the test platform runs on them too.
    for (const name of names) {
      const [fresh, running] = await Promise.all([
        print(name, 'local', { TENANTRY_DATA_DIR: neverStarted }),
        print(name, 'local', { TENANTRY_DATA_DIR: dataDir }),
      ]);
      beforeAnyPlatform.set(name, fresh);
      withTestPlatform.set(name, running);
    }
  }, 600_000);

  it.each(names)('resolves in services/%s with no flags, before any platform ever ran', (name) => {
    const printed = beforeAnyPlatform.get(name)!;

    expect(printed.provider.httpApi.id).toBe('local');
    expect(printed.provider.environment).toMatchObject({
      EVENT_BUS_NAME: 'tenantry-local',
      PLATFORM_KMS_KEY_ID: 'local/platform',
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${platformPorts(0).dynamodb}`,
      EVENTBRIDGE_ENDPOINT: `http://127.0.0.1:${platformPorts(0).eventBus}`,
    });
  });

  it.each(names)('gives the functions of services/%s the environment and ports of the running platform', (name) => {
    const printed = withTestPlatform.get(name)!;

    const environment = printed.provider.environment;
    const shared = Object.keys(environment).filter((key) => key in platform.env);
    expect(shared).toEqual(
      expect.arrayContaining([
        'AWS_ACCESS_KEY_ID',
        'DYNAMODB_ENDPOINT',
        'EVENTBRIDGE_ENDPOINT',
        'EVENT_BUS_NAME',
        'USER_POOL_ID',
        'AUTH_CLIENT_ID',
        'AUTH_ISSUER',
        'LOCAL_KMS_DIR',
        'PLATFORM_KMS_KEY_ID',
        'ORGANIZATIONS_TABLE',
        'TENANTRY_FORBID_SCAN',
      ]),
    );
    for (const key of shared) expect(`${key}=${environment[key]}`).toBe(`${key}=${platform.env[key]}`);
    const ports = platform.offline[printed.service]!;
    expect(printed.custom['serverless-offline']).toMatchObject({
      httpPort: ports.httpPort,
      lambdaPort: ports.lambdaPort,
    });
  });

  it('leaves deployed stages to their --param flags (the outputs of infra/platform.yml)', async () => {
    const failure = await print('organizations', 'dev', { TENANTRY_DATA_DIR: neverStarted }).catch(
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );

    expect(failure).toContain('Value not found at "param" source');
  }, 120_000);
});
