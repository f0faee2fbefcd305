// What the generated OpenAPI document promises of every operation (contract §5, §8): 401 where a credential
// is needed, 429 with Retry-After and the RateLimit header fields, a description; and of every
// schema: integers with a format and bounds, strings with a length bound and a format, pattern or
// enum; and an https server for a deployed stage beside the local one.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadModel } from '../codegen/load';
import { openapiDocument } from '../generated/openapi';
import { schemasDir, tempDir } from './helpers';

type Json = Record<string, unknown>;
const document = openapiDocument as unknown as Json;
const components = document.components as Json;
const responses = components.responses as Record<string, Json>;

/** Every operation: `METHOD path` → the operation object. */
const operations: [string, Json][] = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
  ([path, item]) => Object.entries(item).map(([method, operation]): [string, Json] => [`${method} ${path}`, operation]),
);

/** A response object, following a `$ref` into components.responses. */
function response(value: unknown): Json {
  const ref = (value as { $ref?: string }).$ref;
  return ref ? (responses[ref.split('/').pop()!] as Json) : (value as Json);
}

const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
const isProtected = (operation: Json) => operation['x-auth'] !== 'none';

/** Every schema object under `node`, with where it is. */
function schemas(node: unknown, where: string, out: [string, Json][] = []): [string, Json][] {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) schemas(child, `${where}[${index}]`, out);
    return out;
  }
  const object = node as Json;
  if (typeof object.type === 'string' || Array.isArray(object.type)) out.push([where, object]);
  for (const [key, child] of Object.entries(object)) {
    if (key === 'examples' || key === 'example' || key === 'default') continue;
    schemas(child, `${where}/${key}`, out);
  }
  return out;
}

const typeOf = (schema: Json): string[] => (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];

describe('every operation of the OpenAPI document', () => {
  it('has a description', () => {
    for (const [name, operation] of operations) {
      expect({ name, description: typeof operation.description }).toEqual({ name, description: 'string' });
    }
  });

  it('documents 401 when it needs a credential, and 429 with Retry-After and the RateLimit headers', () => {
    const limited = operations.filter(([, operation]) => isProtected(operation));
    expect(limited.length).toBeGreaterThan(40);
    for (const [name, operation] of limited) {
      const answers = operation.responses as Json;
      expect({ name, has401: '401' in answers, has429: '429' in answers }).toEqual({
        name,
        has401: true,
        has429: true,
      });
      const tooMany = response(answers['429']);
      expect(Object.keys(tooMany.headers as Json)).toEqual(
        expect.arrayContaining(['Retry-After', ...RATE_LIMIT_HEADERS]),
      );
      expect(operation['x-error-codes']).toContain('RATE_LIMITED');
    }
  });

  it('documents the RateLimit headers on each of its 2xx and 4xx answers (health checks: not rate limited)', () => {
    for (const [name, operation] of operations) {
      for (const [status, value] of Object.entries(operation.responses as Json)) {
        if (!/^[24]/.test(status)) continue;
        const headers = Object.keys((response(value).headers as Json | undefined) ?? {});
        const expected = isProtected(operation) ? RATE_LIMIT_HEADERS : [];
        expect({ name, status, headers: headers.filter((h) => h.startsWith('RateLimit')) }).toEqual({
          name,
          status,
          headers: expected,
        });
      }
    }
  });
});

describe('the schemas of the OpenAPI document', () => {
  const all = schemas(document, '#');

  it('give every integer a format, a minimum and a maximum', () => {
    const integers = all.filter(([, schema]) => typeOf(schema).includes('integer'));
    expect(integers.length).toBeGreaterThan(5);
    for (const [where, schema] of integers) {
      expect({ where, format: schema.format, minimum: typeof schema.minimum, maximum: typeof schema.maximum }).toEqual({
        where,
        format: expect.stringMatching(/^int(32|64)$/),
        minimum: 'number',
        maximum: 'number',
      });
    }
  });

  it('give every string a maximum length and a format, a pattern or an enum', () => {
    const strings = all.filter(([, schema]) => typeOf(schema).includes('string'));
    expect(strings.length).toBeGreaterThan(20);
    for (const [where, schema] of strings) {
      const bounded = schema.enum !== undefined || typeof schema.maxLength === 'number';
      const described = schema.enum !== undefined || schema.format !== undefined || schema.pattern !== undefined;
      expect({ where, bounded, described }).toEqual({ where, bounded: true, described: true });
    }
  });
});

describe('the servers of the OpenAPI document', () => {
  it('name a deployed stage over https beside the local platform', () => {
    const urls = (document.servers as { url: string }[]).map((server) => server.url);
    expect(urls).toContain('http://127.0.0.1:3000');
    expect(urls.some((url) => url.startsWith('https://'))).toBe(true);
  });
});

describe('the generator', () => {
  /** A copy of schemas/ with one file's text replaced. */
  function schemasWith(file: string, from: string | RegExp, to: string): string {
    const dir = join(tempDir('tenantry-contract-'), 'schemas');
    cpSync(schemasDir, dir, { recursive: true });
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(from);
    writeFileSync(path, text.replace(from, to));
    return dir;
  }

  it('refuses an operation without a description', () => {
    const dir = schemasWith('operations/health.yaml', /^ {2}description: .*ok when every service.*\n/m, '');
    expect(() => loadModel(dir)).toThrow('getHealth: description is required');
  });

  it('refuses an integer without bounds and a string without a format, pattern or enum', () => {
    const integer = schemasWith('common.yaml', '  format: int32\n  minimum: 1\n  maximum: 100\n', '  minimum: 1\n');
    expect(() => loadModel(integer)).toThrow('Limit: a number needs a format, a minimum and a maximum');
    const string = schemasWith(
      'common.yaml',
      "  pattern: '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*$'\nSlug:",
      'Slug:',
    );
    expect(() => loadModel(string)).toThrow('Description: a string needs a format, a pattern or an enum');
  });

  it('refuses plans whose rate-limit windows differ, and hourly limits of unknown operations', () => {
    const plans = schemasWith('plans.yaml', '    rps: 200\n    burst: 400\n', '    rps: 200\n    burst: 600\n');
    expect(() => loadModel(plans)).toThrow('every plan needs the same burst / rps');
    const hourly = schemasWith('rate-limits.yaml', '  createInvitation: 200', '  createWidget: 200');
    expect(() => loadModel(hourly)).toThrow('perUserPerHour.createWidget is not an operation');
  });
});
