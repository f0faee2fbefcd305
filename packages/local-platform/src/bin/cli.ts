// `npm run cli -- user create <email> [--group OWNER|EMPLOYEE|CUSTOMER]` and `npm run cli -- token <email>`.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type PlatformGroup, PlatformGroupValues } from '@tenantry/models';
import { createUser, idToken } from '../cognito';
import { defaultDataDir, type InfrastructureInfo, stateFile } from '../platform';

const usage = `usage:
  npm run cli -- user create <email> [--group OWNER|EMPLOYEE|CUSTOMER]   creates a confirmed user with a verified email
  npm run cli -- token <email>                                          prints the user's ID token on stdout`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    group: { type: 'string' },
    'data-dir': { type: 'string', default: process.env.TENANTRY_DATA_DIR ?? defaultDataDir },
  },
});

const state = stateFile(values['data-dir']!);
if (!existsSync(state))
  fail('Tenantry is not running here: start it with `npm start` (or `npm start -- --infra`) first.');
// Written by `npm start` and by `npm start -- --infra` alike: both run cognito-local with the pool.
const platform = JSON.parse(readFileSync(state, 'utf8')) as InfrastructureInfo;

const [command, subcommand, ...rest] = positionals;
const isEmail = (value: string | undefined): value is string =>
  Boolean(value && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value));

try {
  if (command === 'user' && subcommand === 'create') {
    const [email] = rest;
    if (!isEmail(email)) fail(usage);
    const group = values.group?.toUpperCase();
    if (group !== undefined && !PlatformGroupValues.includes(group as PlatformGroup)) fail(usage);
    await createUser(platform.cognitoEndpoint, platform.pool, email, group ? { group: group as PlatformGroup } : {});
    console.error(`user ${email} is ready${group ? ` (group ${group})` : ''}`);
  } else if (command === 'token') {
    if (!isEmail(subcommand)) fail(usage);
    process.stdout.write(`${await idToken(platform.cognitoEndpoint, platform.pool, subcommand)}\n`);
  } else {
    fail(usage);
  }
} catch (error) {
  const { name, message } = error as Error;
  if (name === 'TimeoutError' || /ECONNREFUSED|fetch failed/.test(message)) {
    fail('Tenantry is not running (cognito-local does not answer): start it with `npm start` first.');
  }
  fail(`${name}: ${message}`);
}
