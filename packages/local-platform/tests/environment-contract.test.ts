// The environment contract (@tenantry/config) is written once; the two places that set variables,
// services/serverless.shared.yml (functions, every stage) and the local platform (tests and tools),
// must agree with it: a variable one of them adds and the contract lacks, or the other way round,
// fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { environmentContract, readConfig, type VariableName, variablesFrom } from '@tenantry/config';
import { parse } from 'yaml';
import { platformEnvironment, repoRoot, TOOL_ONLY_VARIABLES } from '../src/environment';
import { unitEnvironment } from '../src/testing/env';

const sorted = (names: Iterable<string>) => [...names].sort();
const servicesDir = join(repoRoot, 'services');
const yamlOf = (path: string) => parse(readFileSync(path, 'utf8'), { merge: true, logLevel: 'silent' });

const stageEnvironment = yamlOf(join(servicesDir, 'serverless.shared.yml')).stageEnvironment as Record<
  string,
  Record<string, unknown>
>;

const local = platformEnvironment({
  stage: 'local',
  region: 'us-east-1',
  eventBusName: 'tenantry-local',
  platformKeyId: 'local/platform',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  dynamodbEndpoint: 'http://127.0.0.1:8000',
  eventBridgeEndpoint: 'http://127.0.0.1:3200',
  cognitoEndpoint: 'http://127.0.0.1:9229',
  userPoolId: 'local_pool',
  clientId: 'client',
  issuer: 'http://127.0.0.1:9229/local_pool',
  localKmsDir: '/tmp/kms',
  rateLimitScale: '1',
});

describe('services/serverless.shared.yml', () => {
  it('sets in every stage exactly the variables the contract says every stage has', () => {
    expect(sorted(Object.keys(stageEnvironment.default ?? {}))).toEqual(sorted(variablesFrom('stage')));
  });

  it('adds for stage local exactly the local stand-ins of the contract', () => {
    const localOnly = Object.keys(stageEnvironment.local ?? {}).filter((name) => !(name in stageEnvironment.default!));

    expect(sorted(localOnly)).toEqual(sorted(variablesFrom('local')));
  });

  it('has no stage but default and local (a deployed stage takes default)', () => {
    expect(sorted(Object.keys(stageEnvironment))).toEqual(['default', 'local']);
  });
});

describe("the functions' own environments (services/*/serverless.yml)", () => {
  it('set only variables the contract reads per function, and each such variable is set somewhere', () => {
    const set = new Set<string>();
    for (const service of readdirSync(servicesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      const functions = yamlOf(join(servicesDir, service.name, 'serverless.yml')).functions as Record<
        string,
        { environment?: Record<string, unknown> }
      >;
      for (const fn of Object.values(functions ?? {}))
        for (const name of Object.keys(fn.environment ?? {})) set.add(name);
    }

    expect(sorted(set)).toEqual(sorted(variablesFrom('function')));
  });
});

describe("the local platform's environment for tests and tools", () => {
  const contract = new Set<string>(Object.keys(environmentContract));

  it('sets only variables of the contract, and the few that reach the stand-ins themselves', () => {
    const outside = Object.keys(local).filter((name) => !contract.has(name));

    expect(sorted(outside)).toEqual(sorted(TOOL_ONLY_VARIABLES));
  });

  it('sets every variable of every stage and of stage local that the services share', () => {
    const shared = (Object.keys(environmentContract) as VariableName[]).filter((name) => {
      const variable: { source: string; shared?: false } = environmentContract[name];
      return (variable.source === 'stage' || variable.source === 'local') && variable.shared !== false;
    });

    expect(sorted(shared.filter((name) => !(name in local)))).toEqual([]);
  });
});

describe('the environment of unit tests (unitEnvironment)', () => {
  it('gives every variable the contract requires a well-formed value, and no other variable', () => {
    const environment = unitEnvironment();
    const required = (Object.keys(environmentContract) as VariableName[]).filter(
      (name) => (environmentContract[name] as { unset?: unknown }).unset === undefined,
    );

    expect(() => readConfig(environment)).not.toThrow();
    expect(sorted(Object.keys(environment))).toEqual(sorted(required));
  });
});
