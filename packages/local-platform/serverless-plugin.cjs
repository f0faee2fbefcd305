// @ts-check
'use strict';
/**
 * The local platform's Serverless plugin, listed after serverless-esbuild in every service's
 * serverless.yml. It changes nothing deployed: it only acts under `sls offline`, to keep the local platform's memory small (perf figure R8).
 *
 * - One esbuild build for all the service's functions, code split into shared chunks, instead of
 *   serverless-esbuild's one build per function. Measured on organizations (13 functions): 2 s of
 *   CPU instead of 20 s, 5 MB instead of 59 MB, and, in-process, the AWS SDK and the workspace
 *   packages loaded once (15 MB) instead of once per function (52 MB). serverless-esbuild still
 *   decides where serverless-offline looks (`location`) and runs its watch (`sls offline` in a
 *   service's folder); `sls package` keeps its per-function bundles, as deployed.
 * - A start whose bundles are up to date builds nothing: beside them, a stamp lists every input file
 *   of the last build (from esbuild's metafile) with its size and modification time, and the build
 *   options; any change to one of them builds again.
 * - esbuild's service process is stopped after each build: that Go process otherwise lives on with
 *   everything it parsed (1–5 GB per service, measured); the next build starts a new one.
 * - With `--useInProcess` (how the local platform runs every service), serverless-offline copies
 *   each function's environment into the one `process.env` before each call, so a variable that only
 *   some functions set would stay set for the others: every function gets every such variable,
 *   empty where it set none.
 */
const { existsSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join, resolve } = require('node:path');

/** serverless-esbuild's own settings in `custom.esbuild`, which are not esbuild options. */
const PLUGIN_SETTINGS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
  'plugins',
];

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Beside a service's bundles: what they were built from (see buildService). */
const BUILD_STAMP = '.tenantry-build.json';

/** A file's size and modification time, or undefined when it is not a file (esbuild's virtual inputs). */
function signatureOf(file) {
  try {
    const stat = statSync(file);
    return stat.isFile() ? `${stat.size}:${stat.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records that the bundles beside `stampFile` were built with `options` from `files` (sources,
 * workspace packages, node_modules), with each file's size and modification time.
 */
function writeStamp(stampFile, options, files) {
  const inputs = Object.fromEntries(
    files.map((file) => [file, signatureOf(file)]).filter(([, signature]) => signature !== undefined),
  );
  writeFileSync(stampFile, JSON.stringify({ options: JSON.stringify(options), inputs }));
}

/** True when the bundles in the stamp's folder were built with `options` from inputs that are unchanged. */
function isUpToDate(stampFile, options) {
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.options !== JSON.stringify(options)) return false;
    return Object.entries(stamp.inputs).every(([file, signature]) => signatureOf(file) === signature);
  } catch {
    return false;
  }
}

class TenantryLocalPlatformPlugin {
  /**
   * @param {any} serverless
   * @param {Record<string, unknown>} options
   */
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    const build = async () => {
      this.equalizeEnvironments();
      await this.buildService();
    };
    this.hooks = {
      initialize: () => this.takeOverOfflineBuild(),
      // After serverless-esbuild's hooks of the same events (it is listed first): it has set
      // serverless-offline's `location` and built nothing (see takeOverOfflineBuild).
      'before:offline:start': build,
      'before:offline:start:init': build,
      // serverless-esbuild's watch saw a change: rebuild before serverless-offline drops its workers.
      'before:offline:functionsUpdated:cleanup': () => this.buildService(),
    };
  }

  get isOffline() {
    return this.serverless.processedInput?.commands?.[0] === 'offline';
  }

  /** @returns {Record<string, any>} */
  get functions() {
    return this.serverless.service.functions ?? {};
  }

  /** Under `sls offline`, serverless-esbuild skips every function: this plugin builds them together. */
  takeOverOfflineBuild() {
    if (!this.isOffline) return;
    for (const fn of Object.values(this.functions)) fn.skipEsbuild = true;
  }

  /** The esbuild module serverless-esbuild uses (the service process is per module instance). */
  esbuild() {
    const fromService = createRequire(join(this.serverless.serviceDir, 'package.json'));
    return createRequire(fromService.resolve('serverless-esbuild'))('esbuild');
  }

  /** The file of a handler such as `src/functions/health/handler.handler`. */
  entryOf(handler) {
    const base = join(this.serverless.serviceDir, handler.slice(0, handler.lastIndexOf('.')));
    const file = HANDLER_EXTENSIONS.map((extension) => base + extension).find((candidate) => existsSync(candidate));
    if (!file) throw new Error(`no source file for handler ${handler}`);
    return file;
  }

  async buildService() {
    const serviceDir = this.serverless.serviceDir;
    const location = this.serverless.service.custom?.['serverless-offline']?.location;
    if (!location) throw new Error('serverless-offline has no location: is serverless-esbuild listed first?');
    const outdir = join(serviceDir, location);
    const settings = { ...(this.serverless.service.custom?.esbuild ?? {}) };
    const extension = settings.outputFileExtension ?? '.js';
    const external = [
      ...(settings.external ?? []),
      ...(settings.exclude ?? ['aws-sdk']).filter((name) => name !== '*'),
    ];
    for (const setting of PLUGIN_SETTINGS) delete settings[setting];
    const handlers = Object.values(this.functions)
      .map((fn) => fn.handler)
      .filter(Boolean);
    const options = {
      ...settings,
      external,
      entryPoints: [...new Set(handlers.map((handler) => this.entryOf(handler)))],
      outbase: serviceDir,
      outdir,
      ...(extension === '.js' ? {} : { outExtension: { '.js': extension } }),
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
    };
    const stampFile = join(outdir, BUILD_STAMP);
    if (isUpToDate(stampFile, options)) return;
    const esbuild = this.esbuild();
    rmSync(outdir, { recursive: true, force: true });
    try {
      const { metafile } = await esbuild.build(options);
      writeStamp(
        stampFile,
        options,
        Object.keys(metafile.inputs).map((input) => resolve(input)),
      );
    } finally {
      await esbuild.stop();
    }
  }

  equalizeEnvironments() {
    if (!this.options.useInProcess) return;
    const names = new Set(Object.values(this.functions).flatMap((fn) => Object.keys(fn.environment ?? {})));
    for (const fn of Object.values(this.functions)) {
      fn.environment = { ...Object.fromEntries([...names].map((name) => [name, ''])), ...fn.environment };
    }
  }
}

module.exports = TenantryLocalPlatformPlugin;
// For its tests.
module.exports.buildStamp = { writeStamp, isUpToDate };
