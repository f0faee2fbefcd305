// @ts-check
'use strict';
/**
 * The esbuild plugin of a deployed function's build (`custom.esbuild.plugins` of
 * services/serverless.shared.yml; `sls package` bundles each function alone): the request validators
 * of the generated modules are narrowed to the operation the function's handler names
 * (`route({ operation: '…' })`), so a function bundles and initialises only its own (issue 10, R3:
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
const EXPORT = /^export const (\w+) = (\w+);$/gm;

/** The operation a handler file's route names, or undefined (none, or more than one). */
function operationOf(file) {
  const names = new Set([...readFileSync(file, 'utf8').matchAll(OPERATION)].map((match) => match[1]));
  return names.size === 1 ? [...names][0] : undefined;
}

/** The generated module's source with only the exports of `operation` left (esbuild drops the rest). */
function narrowed(source, operation) {
  const keep = new Set(['body_', 'query_', 'path_'].map((part) => `${part}${operation}`));
  return source.replace(EXPORT, (line, name) => (keep.has(name) ? line : ''));
}

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
      if (!operation) return;
      build.onLoad({ filter: VALIDATOR_MODULES }, (args) => ({
        contents: narrowed(readFileSync(args.path, 'utf8'), operation),
        loader: 'js',
      }));
    },
  };
}

module.exports = [narrowValidators()];
module.exports.narrowValidators = narrowValidators;
module.exports.narrowed = narrowed;
module.exports.operationOf = operationOf;
