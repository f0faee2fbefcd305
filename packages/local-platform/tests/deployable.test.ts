import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { repoRoot } from '../src/environment';
import { type CloudFormationTemplate, packageService } from '../src/package';
import { serviceNames } from '../src/services';

type Resource = CloudFormationTemplate['Resources'][string];
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const templates = new Map<string, CloudFormationTemplate>();
const resourcesOf = (type: string): Array<[string, string, Resource]> =>
  [...templates].flatMap(([service, template]) =>
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([name, resource]): [string, string, Resource] => [service, name, resource]),
  );
const statementsOf = (role: Resource): Statement[] =>
  ((role.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ?? []).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('sls package of every service, with no AWS credentials', () => {
  beforeAll(async () => {
    const names = serviceNames();
    // Two at a time: the machine has two cores and the platform of the test run is on them too.
    for (let index = 0; index < names.length; index += 2) {
      const pair = names.slice(index, index + 2);
      const packaged = await Promise.all(pair.map((name) => packageService(name)));
      for (const [offset, name] of pair.entries()) templates.set(name, packaged[offset]!);
    }
  }, 240_000);

  it('packages all four services', () => {
    expect([...templates.keys()]).toEqual(['applications', 'memberships', 'notifications', 'organizations']);
  });

  it('declares every table on demand, with point-in-time recovery, encryption and a Retain policy', () => {
    const tables = resourcesOf('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const [service, name, table] of tables) {
      const where = `${service}/${name}`;
      expect({
        where,
        billing: table.Properties.BillingMode,
        pointInTimeRecovery: table.Properties.PointInTimeRecoverySpecification,
        encryption: table.Properties.SSESpecification,
        deletion: table.DeletionPolicy,
        replacement: table.UpdateReplacePolicy,
      }).toEqual({
        where,
        billing: 'PAY_PER_REQUEST',
        pointInTimeRecovery: { PointInTimeRecoveryEnabled: true },
        encryption: { SSEEnabled: true },
        deletion: 'Retain',
        replacement: 'Retain',
      });
    }
  });

  it('runs every function on nodejs22.x and arm64', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const [service, name, fn] of functions) {
      const where = `${service}/${name}`;
      expect({ where, runtime: fn.Properties.Runtime, architectures: fn.Properties.Architectures }).toEqual({
        where,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
      });
    }
  });

  it('shares the default role only among functions that touch no data: it grants nothing but logs', () => {
    for (const [service, , role] of resourcesOf('AWS::IAM::Role').filter(
      ([, name]) => name === 'IamRoleLambdaExecution',
    )) {
      for (const statement of statementsOf(role)) {
        for (const action of actionsOf(statement)) {
          expect({ service, action }).toEqual({ service, action: expect.stringMatching(/^logs:/) });
        }
      }
    }
  });

  it('never grants a wildcard action, nor a wildcard resource on data', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    const roles = new Map(resourcesOf('AWS::IAM::Role').map(([service, name, role]) => [`${service}/${name}`, role]));
    for (const [service, name, fn] of functions) {
      const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = roles.get(`${service}/${roleRef}`)!;
      expect({ function: `${service}/${name}`, role }).toEqual({
        function: `${service}/${name}`,
        role: expect.anything(),
      });
      for (const statement of statementsOf(role)) {
        for (const action of actionsOf(statement)) {
          const where = `${service}/${name}`;
          expect({ where, action }).toEqual({ where, action: expect.not.stringMatching(/^(\*|[a-z-]+:\*)$/) });
          // kms:CreateKey acts on no existing key, so AWS gives it no resource: "*" is allowed for it
          // alone, and only bounded by conditions (key spec, usage, the organization tag).
          if (action === 'kms:CreateKey') {
            expect({ where, action, condition: statement.Condition }).toEqual({
              where,
              action,
              condition: expect.objectContaining({
                StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'kms:KeyUsage': 'ENCRYPT_DECRYPT' },
              }),
            });
          } else if (/^(dynamodb|events|kms):/.test(action)) {
            expect({ where, action, resource: JSON.stringify(statement.Resource) }).toEqual({
              where,
              action,
              resource: expect.not.stringMatching(/^"\*"$|\["\*"\]|:\*"/),
            });
          }
        }
      }
    }
  });

  it('grants a function exactly the data actions its serverless.yml declares (recordAuditEvent: PutItem on its table)', () => {
    const role = templates.get('notifications')!.Resources.RecordAuditEventIamRoleLambdaExecution!;
    const dataStatements = statementsOf(role).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(dataStatements).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['NotificationsTable', 'Arn'] } },
    ]);
  });
});

describe('infra/platform.yml, the shared resources of a stage', () => {
  const infra = readFileSync(join(repoRoot, 'infra', 'platform.yml'), 'utf8');
  const outputs = [...infra.slice(infra.indexOf('\nOutputs:')).matchAll(/^ {2}(\w+):$/gm)].map((match) => match[1]);
  const serviceYaml = [
    'services/serverless.shared.yml',
    ...serviceNames().map((name) => `services/${name}/serverless.yml`),
  ]
    .map((file) => readFileSync(join(repoRoot, file), 'utf8'))
    .join('\n');
  // Parameters with a default in serverless.yml (`${param:name, default}`) need no output.
  const requiredParams = new Set([...serviceYaml.matchAll(/\$\{param:(\w+)\}/g)].map((match) => match[1]));

  it('outputs every parameter the services require, under the same name', () => {
    expect(requiredParams.size).toBeGreaterThan(0);
    for (const param of requiredParams) expect(outputs).toContain(param);
  });
});
