import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadModel } from '../codegen/load';
import { schemasDir, tempDir } from './helpers';

/** A copy of schemas/ whose Organization gains the given property lines. */
function schemasWithOrganizationProperty(lines: string): string {
  const dir = join(tempDir('tenantry-load-'), 'schemas');
  cpSync(schemasDir, dir, { recursive: true });
  const file = join(dir, 'entities/organization.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('  properties:\n', `  properties:\n${lines}`));
  return dir;
}

describe('loadModel', () => {
  it('closes every object and derives the plan and error code enums', () => {
    const model = loadModel(schemasDir);
    expect(model.definitions.Organization?.additionalProperties).toBe(false);
    expect(model.definitions.Plan?.enum).toEqual(['STARTER', 'PRO', 'ENTERPRISE']);
    expect(model.definitions.ErrorCode?.enum).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(model.definitions.OrganizationPage?.required).toEqual(['items', 'nextCursor']);
  });

  it('refuses an unbounded string, naming where it is', () => {
    const dir = schemasWithOrganizationProperty('    nickname:\n      type: string\n');
    expect(() => loadModel(dir)).toThrow('Organization.nickname: a string needs maxLength or enum');
  });

  it('refuses a reference to nothing', () => {
    const dir = schemasWithOrganizationProperty('    owner:\n      $ref: Owner\n');
    expect(() => loadModel(dir)).toThrow('Organization.owner: unknown $ref Owner');
  });

  it('refuses an inline nested object', () => {
    const dir = schemasWithOrganizationProperty(
      '    billing:\n      type: object\n      properties:\n        email:\n          $ref: Email\n',
    );
    expect(() => loadModel(dir)).toThrow('Organization.billing: nested objects must be named definitions');
  });
});
