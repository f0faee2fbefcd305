import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { loadModel } from '../codegen/load';
import { isRecordObject } from '../codegen/model';
import { createTenantryClient } from '../src/client';
import { validateSchema } from '../src/index';
import { bin, generate, packageDir, run, schemasDir, tempDir } from './helpers';

const TIMEOUT = 120_000;

/** Every definition that carries an example, with its first example. */
function examples(): [string, unknown][] {
  const model = loadModel(schemasDir);
  return Object.entries(model.definitions)
    .filter(([, schema]) => isRecordObject(schema) && schema.examples?.length)
    .map(([name, schema]) => [name, schema.examples?.[0]]);
}

describe('generated files', () => {
  it(
    'are what the YAML of schemas/ produces (run the models build when this fails)',
    () => {
      const { status, output } = generate(['--check']);
      expect(output).toContain('up to date');
      expect(status).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'are reported by --check, by name, when they differ',
    () => {
      const out = tempDir('tenantry-models-');
      const { status, output } = generate(['--check', '--out', out]);
      expect(status).toBe(1);
      expect(output).toContain('generated/types.ts');
      expect(output).toContain('generated/python/tenantry_models/__init__.py');
    },
    TIMEOUT,
  );
});

describe('the OpenAPI document', () => {
  it(
    'passes redocly lint',
    () => {
      const { status, output } = run(bin('redocly'), [
        'lint',
        'generated/openapi.yaml',
        '--config',
        'redocly.yaml',
        '--format=stylish',
      ]);
      expect(output).not.toMatch(/\d+ (error|warning)/);
      expect(status).toBe(0);
    },
    TIMEOUT,
  );
});

describe('the examples of schemas/', () => {
  it.each(examples())('%s example matches its own schema', (name, example) => {
    expect(validateSchema(name as 'Organization', example)).toMatchObject({ ok: true });
  });
});

describe('the Python models', () => {
  it(
    'import with python3 and round-trip a sample of each entity through from_dict/to_dict',
    () => {
      const samples = join(tempDir('tenantry-py-'), 'samples.json');
      writeFileSync(samples, JSON.stringify(examples()));
      const script = [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(join(packageDir, 'generated/python'))})`,
        'import tenantry_models as m',
        `for name, sample in json.load(open(${JSON.stringify(samples)})):`,
        '    model = getattr(m, name).from_dict(sample)',
        '    assert model.to_dict() == sample, (name, model.to_dict(), sample)',
        '    print("ok", name)',
        'assert m.PLAN_LIMITS[m.Plan.STARTER].members == 5 and m.PLAN_LIMITS[m.Plan.ENTERPRISE].applications == 500',
        'assert m.EventType("api_key.rotated") is m.EventType.API_KEY_ROTATED',
      ].join('\n');
      const { status, output } = run('python3', ['-'], script);
      expect(output).not.toContain('Traceback');
      expect(status).toBe(0);
      for (const entity of [
        'Organization',
        'Membership',
        'Invitation',
        'Application',
        'Notification',
        'AuditEvent',
        'Event',
      ]) {
        expect(output).toContain(`ok ${entity}\n`);
      }
    },
    TIMEOUT,
  );

  it(
    'turn enums and nested objects into Python types',
    () => {
      const script = [
        'import sys',
        `sys.path.insert(0, ${JSON.stringify(join(packageDir, 'generated/python'))})`,
        'import tenantry_models as m',
        "slots = m.ApiKeySlots.from_dict({'current': {'prefix': 'tnt_1', 'createdAt': '2025-01-01T00:00:00Z', 'lastUsedAt': None}, 'next': None, 'previous': None})",
        'assert isinstance(slots.current, m.ApiKeyInfo) and slots.current.last_used_at is None and slots.next is None',
        "actor = m.Actor.from_dict({'kind': 'user', 'id': 'u1'})",
        'assert actor.kind is m.ActorKind.USER',
        "print('ok')",
      ].join('\n');
      const { status, output } = run('python3', ['-'], script);
      expect(output).toBe('ok\n');
      expect(status).toBe(0);
    },
    TIMEOUT,
  );
});

describe('the validator modules', () => {
  it('import nothing, so they load as plain ESM', () => {
    for (const file of ['validators-body.js', 'validators-query.js', 'validators-schema.js']) {
      const code = readFileSync(join(packageDir, 'generated', file), 'utf8');
      expect(code).not.toMatch(/\brequire\(|^import /m);
    }
  });

  it(
    'bundle with esbuild and validate in plain Node',
    async () => {
      const dir = tempDir('tenantry-bundle-');
      const outfile = join(dir, 'bundle.mjs');
      await build({
        entryPoints: [join(packageDir, 'src/index.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        minify: true,
        outfile,
        logLevel: 'silent',
      });
      const script = `import { validateRequest } from ${JSON.stringify(outfile)};
console.log(JSON.stringify([validateRequest('createOrganization', 'body', { name: 'Acme' }).ok, validateRequest('createOrganization', 'body', { nme: 'Acme' }).ok]));`;
      const { status, output } = run(process.execPath, ['--input-type=module', '-e', script]);
      expect(output.trim()).toBe('[true,false]');
      expect(status).toBe(0);
    },
    TIMEOUT,
  );
});

describe('createTenantryClient', () => {
  it('sends typed requests with the bearer token and API key to the base URL', async () => {
    const requests: Request[] = [];
    const fakeFetch = async (request: Request) => {
      requests.push(request);
      return new Response(JSON.stringify({ count: 2 }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    };
    const api = createTenantryClient({
      baseUrl: 'http://127.0.0.1:9/',
      token: 'id-token',
      apiKey: 'tnt_key',
      fetch: fakeFetch as typeof fetch,
    });
    const { data } = await api.GET('/me/notifications/unread-count');
    expect(data?.count).toBe(2);
    expect(requests[0]?.url).toBe('http://127.0.0.1:9/me/notifications/unread-count');
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer id-token');
    expect(requests[0]?.headers.get('x-api-key')).toBe('tnt_key');
  });

  it('types paths, parameters and bodies from the contract', async () => {
    const fakeFetch = async () => new Response(null, { status: 204 });
    const api = createTenantryClient({ baseUrl: 'http://127.0.0.1:9', fetch: fakeFetch as typeof fetch });
    const { response } = await api.DELETE('/organizations/{orgId}/members/{userId}', {
      params: { path: { orgId: 'org_1', userId: 'user_1' } },
    });
    expect(response.status).toBe(204);
    // @ts-expect-error: name must be a string.
    await api.POST('/organizations', { body: { name: 42 } });
    // @ts-expect-error: not a path of the API.
    await api.GET('/organisations');
  });
});
