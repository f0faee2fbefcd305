// The deployed build's validator narrowing (esbuild-plugin.cjs), which keeps each bundle and its cold
// start small (perf figure R3).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { Plugin } from 'esbuild';
import { packageDir } from './helpers';

const plugin = createRequire(join(packageDir, 'package.json'))('./esbuild-plugin.cjs') as {
  narrowed(source: string, operation: string): string;
  narrowedOperations(source: string, operation: string): string;
  isIdempotent(operationsSource: string, operation: string): boolean;
  operationOf(file: string): string | null | undefined;
  NO_IDEMPOTENCY: string;
} & unknown[];
// operationOf: the operation, null (no route) or undefined (left as is).
const exportsOf = (source: string) => [...source.matchAll(/^export const (\w+) = /gm)].map((match) => match[1]);

describe('the validator narrowing of a deployed function build', () => {
  it('keeps only the body, query and path validators of the operation', () => {
    const body = readFileSync(join(packageDir, 'generated', 'validators-body.js'), 'utf8');
    const query = readFileSync(join(packageDir, 'generated', 'validators-query.js'), 'utf8');

    expect(exportsOf(plugin.narrowed(body, 'createOrganization'))).toEqual(['body_createOrganization']);
    expect(exportsOf(plugin.narrowed(query, 'listMembers')).sort()).toEqual(['path_listMembers', 'query_listMembers']);
  });

  it("keeps only the operation's entry of the operations table, and knows which operations take Idempotency-Key", () => {
    const source = readFileSync(join(packageDir, 'generated', 'operations.ts'), 'utf8');
    // The entries of `export const operations = { … }` (the types below it are erased anyway).
    const entries = (text: string) =>
      [...text.slice(0, text.indexOf('} as const')).matchAll(/^ {2}(\w+): \{/gm)].map((match) => match[1]);

    expect(entries(source).length).toBeGreaterThan(40);
    expect(entries(plugin.narrowedOperations(source, 'getOrganization'))).toEqual(['getOrganization']);
    expect(plugin.isIdempotent(source, 'createApplication')).toBe(true);
    expect(plugin.isIdempotent(source, 'getOrganization')).toBe(false);
  });

  it('replaces the idempotency layer with one that has the same exports', () => {
    const real = readFileSync(join(packageDir, '..', 'security', 'src', 'idempotency.ts'), 'utf8');
    const exported = (text: string) =>
      [...text.matchAll(/^export (?:const|function) (\w+)/gm)].map((match) => match[1]).sort();

    expect(exported(plugin.NO_IDEMPOTENCY)).toEqual(exported(real));
  });

  it("reads the operation a handler's route names, and none from a file without exactly one", () => {
    const services = join(packageDir, '..', '..', 'services');

    expect(plugin.operationOf(join(services, 'organizations/src/functions/getOrganization/handler.ts'))).toBe(
      'getOrganization',
    );
    expect(plugin.operationOf(join(services, 'notifications/src/functions/recordAuditEvent/handler.ts'))).toBeNull();
  });

  it('finds in every handler either a route naming exactly one operation or no route at all', () => {
    const services = join(packageDir, '..', '..', 'services');
    const handlers = readdirSync(services).flatMap((service) => {
      const dir = join(services, service, 'src', 'functions');
      return existsSync(dir) ? readdirSync(dir).map((fn) => join(dir, fn, 'handler.ts')) : [];
    });
    const routes = handlers.filter((file) => /\b(?:route|publicRoute)\(/.test(readFileSync(file, 'utf8')));

    expect(handlers.length).toBeGreaterThan(40);
    expect(routes.length).toBeGreaterThan(30);
    for (const file of handlers) {
      expect([file, typeof plugin.operationOf(file)]).toEqual([file, routes.includes(file) ? 'string' : 'object']);
    }
  });
});

describe("a deployed function's bundle", () => {
  const services = join(packageDir, '..', '..', 'services');
  const bundleOf = async (handler: string) => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(services, handler)],
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [...plugin] as Plugin[],
    });
    const [output] = Object.values(result.metafile!.outputs);
    return output!.inputs;
  };
  const bytesOf = (inputs: Record<string, { bytesInOutput: number }>, pattern: RegExp) =>
    Object.entries(inputs)
      .filter(([path]) => pattern.test(path))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  const IDEMPOTENCY = /packages[\\/]security[\\/]src[\\/]idempotency\.ts$/;
  const VALIDATORS = /generated[\\/]validators-(body|query)\.js$/;

  it('bundles the idempotency layer only where the operation takes Idempotency-Key', async () => {
    const read = await bundleOf('organizations/src/functions/getOrganization/handler.ts');
    const create = await bundleOf('organizations/src/functions/createOrganization/handler.ts');

    expect(bytesOf(read, IDEMPOTENCY)).toBeLessThan(400); // the stub: its exports, nothing else
    expect(bytesOf(create, IDEMPOTENCY)).toBeGreaterThan(1_500);
  });

  it('bundles no request validator and no idempotency layer into a function without a route', async () => {
    const consumer = await bundleOf('notifications/src/functions/recordAuditEvent/handler.ts');

    expect(bytesOf(consumer, IDEMPOTENCY)).toBeLessThan(400);
    expect(bytesOf(consumer, VALIDATORS)).toBeLessThan(1_000);
    expect(
      bytesOf(await bundleOf('organizations/src/functions/getOrganization/handler.ts'), VALIDATORS),
    ).toBeGreaterThan(1_000);
  });
});

describe('a bundle that validates events', () => {
  const bundle = async (entry: string) => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: entry, resolveDir: packageDir, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  };

  it('keeps the Event validator only with validateEvent, every named schema with validateSchema', async () => {
    const withEvent = await bundle("import { validateEvent } from './src/index'; console.log(validateEvent({}).ok);");
    const withAny = await bundle(
      "import { validateSchema } from './src/index'; console.log(validateSchema('Event', {}).ok);",
    );

    expect(withEvent).toContain('schema_Event');
    expect(withEvent).not.toContain('schema_CreateApplicationRequest');
    expect(withAny).toContain('schema_CreateApplicationRequest');
    expect(withEvent.length).toBeLessThan(withAny.length / 2);
  });
});
