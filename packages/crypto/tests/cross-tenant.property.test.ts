import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CryptoError,
  type FieldBinding,
  KmsKeyProvider,
  LocalKeyProvider,
  OrganizationKeys,
  openField,
  sealField,
} from '../src';
import { mockKms } from './support/fake-kms';
import { temporaryDirectory } from './support/temp-dir';

const orgId = fc.string({ minLength: 1, maxLength: 64 });
const twoOrgs = fc.tuple(orgId, orgId).filter(([a, b]) => a !== b);
const plaintext = fc.oneof(fc.string({ maxLength: 256 }), fc.uint8Array({ maxLength: 512 }));
const entity = fc.string({ minLength: 1, maxLength: 32 }).map((id) => `application/${id}`);
const field = fc.string({ minLength: 1, maxLength: 32 }).map((name) => `secret/${name}`);

async function refused(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => false,
    (error: unknown) => error instanceof CryptoError,
  );
}

describe('cross-tenant isolation (property)', () => {
  it('a value sealed for organization A never opens for organization B, even under the same data key', () => {
    const dataKey = randomBytes(32);
    fc.assert(
      fc.property(twoOrgs, entity, field, plaintext, ([a, b], e, f, value) => {
        const sealed = sealField(dataKey, { organizationId: a, entity: e, field: f }, value);
        expect(() => openField(dataKey, { organizationId: b, entity: e, field: f }, sealed)).toThrow(CryptoError);
      }),
      { numRuns: 300 },
    );
  });

  const folder = temporaryDirectory();
  afterAll(() => folder.remove());

  for (const [name, make] of [
    [
      'local provider',
      () => ({
        keys: new OrganizationKeys({
          provider: new LocalKeyProvider(join(folder.path, 'kms')),
          platformKeyId: 'local/platform',
        }),
        done: () => {},
      }),
    ],
    [
      'KMS provider (mocked)',
      () => {
        const { mock } = mockKms();
        const keys = new OrganizationKeys({
          provider: new KmsKeyProvider({ region: 'eu-west-1' }),
          platformKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/0b3f1c2a-0000-4000-8000-000000000001',
        });
        return { keys, done: () => mock.restore() };
      },
    ],
  ] as const) {
    it(`through OrganizationKeys (${name}): A's value never opens with B's key record or B's binding`, async () => {
      const { keys, done } = make();
      try {
        await fc.assert(
          fc.asyncProperty(twoOrgs, entity, field, plaintext, async ([a, b], e, f, value) => {
            const recordA = await keys.createOrganizationKey(a, 'STARTER');
            const recordB = await keys.createOrganizationKey(b, 'STARTER');
            const bindingA: FieldBinding = { organizationId: a, entity: e, field: f };
            const bindingB: FieldBinding = { organizationId: b, entity: e, field: f };
            const sealed = await keys.seal(recordA, bindingA, value);

            expect(await refused(keys.open(recordB, bindingB, sealed))).toBe(true);
            expect(await refused(keys.open(recordA, bindingB, sealed))).toBe(true);
            expect(await refused(keys.open(recordB, bindingA, sealed))).toBe(true);
            const opened = await keys.open(recordA, bindingA, sealed);
            const expected = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
            expect(Buffer.from(opened).equals(expected)).toBe(true);
          }),
          { numRuns: 100 },
        );
      } finally {
        done();
      }
    });
  }
});
