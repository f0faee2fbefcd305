// The deployed build's validator narrowing (esbuild-plugin.cjs, issue 10 R3).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { packageDir } from './helpers';

const plugin = createRequire(join(packageDir, 'package.json'))('./esbuild-plugin.cjs') as {
  narrowed(source: string, operation: string): string;
  operationOf(file: string): string | undefined;
};
const exportsOf = (source: string) => [...source.matchAll(/^export const (\w+) = /gm)].map((match) => match[1]);

describe('the validator narrowing of a deployed function build', () => {
  it('keeps only the body, query and path validators of the operation', () => {
    const body = readFileSync(join(packageDir, 'generated', 'validators-body.js'), 'utf8');
    const query = readFileSync(join(packageDir, 'generated', 'validators-query.js'), 'utf8');

    expect(exportsOf(plugin.narrowed(body, 'createOrganization'))).toEqual(['body_createOrganization']);
    expect(exportsOf(plugin.narrowed(query, 'listMembers')).sort()).toEqual(['path_listMembers', 'query_listMembers']);
  });

  it("reads the operation a handler's route names, and none from a file without exactly one", () => {
    const services = join(packageDir, '..', '..', 'services');

    expect(plugin.operationOf(join(services, 'organizations/src/functions/getOrganization/handler.ts'))).toBe(
      'getOrganization',
    );
    expect(
      plugin.operationOf(join(services, 'notifications/src/functions/recordAuditEvent/handler.ts')),
    ).toBeUndefined();
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
