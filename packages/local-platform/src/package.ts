import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolEnv } from './environment';
import { servicesDir, slsBin, slsParams } from './services';

const run = promisify(execFile);

/** Parameters a deployment supplies (README, "Deploy"); placeholders are enough to package. */
export const packageParams = {
  httpApiId: 'a1b2c3d4e5',
  eventBusName: 'tenantry-ci',
  userPoolId: 'us-east-1_Package0',
  userPoolClientId: 'packageclient0000000000000',
  platformKmsKeyId: 'alias/tenantry-ci',
};

export interface CloudFormationTemplate {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
  >;
}

/**
 * `sls package` of one service with no AWS credentials at all, into `<service>/.serverless-package`;
 * returns the generated CloudFormation template.
 */
export async function packageService(name: string, stage = 'ci'): Promise<CloudFormationTemplate> {
  const dir = join(servicesDir, name);
  const output = join(dir, '.serverless-package');
  const env = toolEnv({
    TENANTRY_BUILD_DIR: '.esbuild/package',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
  for (const variable of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    delete env[variable];
  }
  await run(
    process.execPath,
    [slsBin(dir), 'package', '--stage', stage, '--package', output, ...slsParams(packageParams)],
    {
      cwd: dir,
      env,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(readFileSync(join(output, 'cloudformation-template-update-stack.json'), 'utf8'));
}
