import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadModel } from '../codegen/load';
import type { CompiledValidator } from '../generated/validators-schema';
import { generate, packageDir, schemasDir, tempDir } from './helpers';

const organizationExample = loadModel(schemasDir).definitions.Organization?.examples?.[0] as Record<string, unknown>;

async function organizationValidator(outDir: string): Promise<CompiledValidator> {
  const module = await import(pathToFileURL(join(outDir, 'generated/validators-schema.js')).href);
  return module.schema_Organization as CompiledValidator;
}

describe('schemas/ as the one source of truth', () => {
  it('adding a field to one entity YAML changes the type, the validator, the OpenAPI document, the client and the Python model', async () => {
    // Arrange: a copy of schemas/ where Organization gains a field.
    const work = tempDir('tenantry-single-source-');
    const schemas = join(work, 'schemas');
    const out = join(work, 'out');
    cpSync(schemasDir, schemas, { recursive: true });
    writeFileSync(join(out, '..', 'package.json'), '{"type":"module"}');
    const entity = join(schemas, 'entities/organization.yaml');
    const yaml = readFileSync(entity, 'utf8');
    const withField = yaml.replace(
      '    metadata:\n      $ref: Metadata\n',
      '    metadata:\n      $ref: Metadata\n    billingEmail:\n      $ref: Email\n',
    );
    expect(withField).not.toBe(yaml);
    writeFileSync(entity, withField);

    // Act
    const { status, output } = generate(['--schemas', schemas, '--out', out]);
    expect(output).toContain('12 changed');
    expect(status).toBe(0);

    // Assert: each output now declares the field, and the committed ones do not.
    const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
    const expectations: [string, string][] = [
      ['generated/types.ts', 'billingEmail?: Email;'],
      ['generated/validators-schema.js', '"billingEmail"'],
      ['generated/openapi.yaml', 'billingEmail:'],
      ['generated/openapi-types.ts', 'billingEmail?:'],
      ['generated/python/tenantry_models/__init__.py', 'billing_email: Optional[str] = None'],
    ];
    for (const [path, declaration] of expectations) {
      expect({ path, generated: read(out, path).includes(declaration) }).toEqual({ path, generated: true });
      expect({ path, committed: read(packageDir, path).includes(declaration) }).toEqual({ path, committed: false });
    }

    // The new validator accepts the field and checks it; the committed one rejects it as unknown.
    const organization = { ...organizationExample, billingEmail: 'billing@example.com' };
    const validate = await organizationValidator(out);
    expect(validate(organization)).toBe(true);
    expect(validate({ ...organization, billingEmail: 'not-an-email' })).toBe(false);
    expect((await organizationValidator(packageDir))(organization)).toBe(false);
  }, 120_000);
});
