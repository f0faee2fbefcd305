// @ts-check
'use strict';
/**
 * The esbuild plugin of a deployed function's build (`custom.esbuild.plugins` of
 * services/serverless.shared.yml; `sls package` bundles each function alone): the request validators
 * of the generated modules are narrowed to the operation the function's handler names
 * (`route({ operation: '…' })`), so a function bundles and initialises only its own (perf figure R3:
 * the validators of every operation were most of each bundle and of its cold start).
 *
 * - Only a build of ONE entry whose source names exactly one operation is narrowed; any other build
 *   (an event consumer, the local platform's one build of every function with shared chunks) is
 *   left as it is.
 * - The named-schema validators (`validateSchema`) are a module of their own, which esbuild drops
 *   from a function that never calls it; they are not touched here.
 * - At run time `validateRequest` of another operation would throw `Unknown operation` (500): the
 *   handler's route only ever validates its own.
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const OPERATION = /\boperation:\s*'([A-Za-z0-9_]+)'/g;
const VALIDATOR_MODULES = /[\\/]generated[\\/]validators-(body|query)\.js$/;
const OPERATIONS_MODULE = /[\\/]packages[\\/]models[\\/]generated[\\/]operations\.ts$/;
const IDEMPOTENCY_MODULE = /[\\/]packages[\\/]security[\\/]src[\\/]idempotency\.ts$/;
const OPERATION_ENTRY = /^ {2}(\w+): \{.*\},?$/gm;
const EXPORT = /^export const (\w+) = (\w+);$/gm;

/** A handler that makes an HTTP route (`route(` or `publicRoute(` of @tenantry/security). */
const MAKES_ROUTE = /\b(?:route|publicRoute)\(/;

/**
 * What a handler file serves: the one operation its route names; `null` for a function without a
 * route (an event consumer, a relay, a scheduled job: it names no operation and validates no
 * request); `undefined` for anything else (several operations, or a route naming none), left as is.
 */
function operationOf(file) {
  const source = readFileSync(file, 'utf8');
  const names = new Set([...source.matchAll(OPERATION)].map((match) => match[1]));
  if (names.size === 1) return [...names][0];
  if (names.size === 0 && !MAKES_ROUTE.test(source)) return null;
  return undefined;
}

/** The generated module's source with only the exports of `operation` (none for `null`) left (esbuild drops the rest). */
function narrowed(source, operation) {
  const keep = new Set(['body_', 'query_', 'path_'].map((part) => `${part}${operation}`));
  return source.replace(EXPORT, (line, name) => (keep.has(name) ? line : ''));
}

/** The operations table with only `operation`'s entry left (none for `null`). */
function narrowedOperations(source, operation) {
  return source.replace(OPERATION_ENTRY, (line, name) => (name === operation ? line : ''));
}

/** Whether the operations table says `operation` honours `Idempotency-Key`. */
function isIdempotent(operationsSource, operation) {
  const entry = [...operationsSource.matchAll(OPERATION_ENTRY)].find((match) => match[1] === operation);
  return entry?.[0].includes('"idempotent":true') === true;
}

/**
 * What `packages/security/src/idempotency.ts` becomes in a function whose operation takes no
 * Idempotency-Key: the same exports, no idempotency layer (nor its DynamoDB commands and hashing).
 */
const NO_IDEMPOTENCY = `
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const absent = () => new Error('this function was built without an idempotency layer: its operation takes no Idempotency-Key');
export function idempotencyScope() {
  throw absent();
}
export function withIdempotency() {
  return async () => {
    throw absent();
  };
}
`;

/** @returns {import('esbuild').Plugin} */
function narrowValidators() {
  return {
    name: 'tenantry-narrow-validators',
    setup(build) {
      const entries = build.initialOptions.entryPoints;
      const list = Array.isArray(entries) ? entries : Object.values(entries ?? {});
      if (list.length !== 1) return;
      const first = list[0];
      const entry = typeof first === 'string' ? first : first?.in;
      if (!entry) return;
      const operation = operationOf(resolve(build.initialOptions.absWorkingDir ?? process.cwd(), entry));
      if (operation === undefined) return;
      build.onLoad({ filter: VALIDATOR_MODULES }, (args) => ({
        contents: narrowed(readFileSync(args.path, 'utf8'), operation),
        loader: 'js',
      }));
      build.onLoad({ filter: OPERATIONS_MODULE }, (args) => ({
        contents: narrowedOperations(readFileSync(args.path, 'utf8'), operation),
        loader: 'ts',
      }));
      build.onLoad({ filter: IDEMPOTENCY_MODULE }, (args) => {
        const operations = readFileSync(resolve(__dirname, 'generated', 'operations.ts'), 'utf8');
        if (isIdempotent(operations, operation)) return undefined;
        return { contents: NO_IDEMPOTENCY, loader: 'js', resolveDir: resolve(args.path, '..') };
      });
    },
  };
}

module.exports = [narrowValidators()];
module.exports.narrowValidators = narrowValidators;
module.exports.narrowed = narrowed;
module.exports.narrowedOperations = narrowedOperations;
module.exports.isIdempotent = isIdempotent;
module.exports.NO_IDEMPOTENCY = NO_IDEMPOTENCY;
module.exports.operationOf = operationOf;
