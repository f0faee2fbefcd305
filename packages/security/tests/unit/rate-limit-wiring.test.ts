// Every function behind a protected route can write its rate-limit counters, and nothing more of
// that table (least privilege); every function knows the table and the scale (serverless.yml).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const services = join(dirname(fileURLToPath(import.meta.url)), '../../../../services');
const tags = ['!Sub', '!GetAtt', '!Ref'].map((tag) => ({ tag, resolve: (value: string) => `${tag} ${value}` }));
const read = (file: string) => parse(readFileSync(file, 'utf8'), { customTags: tags, maxAliasCount: -1 });

interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
}
interface Fn {
  events?: { httpApi?: { path: string } }[];
  iamRoleStatements?: Statement[];
}

/** Serverless and CloudFormation variables, not template placeholders. */
const variable = (name: string) => `\${${name}}`;
const RATE_LIMITS_ARN = `!Sub arn:aws:dynamodb:${variable('AWS::Region')}:${variable('AWS::AccountId')}:table/tenantry-${variable('sls:stage')}-rate-limits`;

describe('the rate-limits table in serverless.yml', () => {
  const names = readdirSync(services, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name);

  it('is named, with the scale, in the environment every function shares', () => {
    const shared = read(join(services, 'serverless.shared.yml'));
    expect(shared.stageEnvironment.default.RATE_LIMITS_TABLE).toBe(`tenantry-${variable('sls:stage')}-rate-limits`);
    expect(shared.stageEnvironment.default.RATE_LIMIT_SCALE).toBe(variable("param:rateLimitScale, '1'"));
  });

  it('is declared once, by the organizations service, with its TTL attribute', () => {
    const declared = names.flatMap((name) =>
      Object.values(read(join(services, name, 'serverless.yml')).resources?.Resources ?? {})
        .filter((resource) =>
          (resource as { Properties?: { TableName?: string } }).Properties?.TableName?.endsWith('-rate-limits'),
        )
        .map((resource) => ({ service: name, resource })),
    );
    expect(declared).toHaveLength(1);
    expect(declared[0]).toMatchObject({
      service: 'organizations',
      resource: { Properties: { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } } },
    });
  });

  it('is writable (UpdateItem only) by every function behind a protected route', () => {
    let checked = 0;
    for (const name of names) {
      const functions = read(join(services, name, 'serverless.yml')).functions as Record<string, Fn>;
      for (const [fn, definition] of Object.entries(functions)) {
        const routes = (definition.events ?? []).filter(
          (event) => event.httpApi && !event.httpApi.path.startsWith('/health'),
        );
        const grants = (definition.iamRoleStatements ?? []).filter((statement) =>
          JSON.stringify(statement.Resource).includes('-rate-limits'),
        );
        const where = `${name}/${fn}`;
        if (routes.length === 0) {
          expect({ where, grants }).toEqual({ where, grants: [] });
          continue;
        }
        checked++;
        expect({ where, grants }).toEqual({
          where,
          grants: [{ Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: RATE_LIMITS_ARN }],
        });
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});
