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
 * - serverless-offline's own error answers (a path that is not valid percent-encoding, an unknown
 *   route) come in the error envelope of contract §8, as every answer of a function (answerInEnvelope).
 * - With `--useInProcess` (how the local platform runs every service), serverless-offline copies
 *   each function's environment into the one `process.env` before each call, so a variable that only
 *   some functions set would stay set for the others: every function gets every such variable,
 *   empty where it set none.
 */
const { randomUUID } = require('node:crypto');
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

/** The error body of serverless-offline's route-not-found page. */
const OFFLINE_NOT_FOUND = 'Serverless-offline: route not found.';

/** The codes of contract §8 for the statuses serverless-offline's own server answers with. */
const ERROR_CODES = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  502: 'SERVICE_UNAVAILABLE',
  503: 'SERVICE_UNAVAILABLE',
  504: 'SERVICE_UNAVAILABLE',
};

const ERROR_MESSAGES = {
  VALIDATION_FAILED: 'The request is malformed (for instance a path that is not valid percent-encoded UTF-8).',
  UNAUTHENTICATED: 'Authentication is required.',
  FORBIDDEN: 'This request is not allowed.',
  NOT_FOUND: 'No route matches this method and path.',
  CONFLICT: 'The request conflicts with the current state.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON.',
  RATE_LIMITED: 'Too many requests; retry later.',
  SERVICE_UNAVAILABLE: 'The service is busy; retry shortly.',
  INTERNAL: 'An internal error occurred',
};

/** The servers already answering in the envelope (answerInEnvelope may be called twice). */
const ENVELOPED = new WeakSet();

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
      'before:offline:start': async () => {
        this.wrapOfflineStart();
        await build();
      },
      'before:offline:start:init': build,
      'after:offline:start:init': () => this.answerInEnvelope(),
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

  /** The serverless-offline plugin instance of this run. */
  get offline() {
    return this.serverless.pluginManager.plugins.find((plugin) => plugin.constructor?.name === 'ServerlessOffline');
  }

  /**
   * serverless-offline's server exists only once its `start` ran, and `sls offline` offers no hook
   * between that and waiting for Ctrl-C: its `start` is wrapped to call answerInEnvelope (`sls
   * offline start` runs the hook `after:offline:start:init` instead).
   */
  wrapOfflineStart() {
    const offline = this.offline;
    if (!offline || Object.hasOwn(offline, 'start')) return;
    const start = offline.start;
    offline.start = async (...args) => {
      await start.apply(offline, args);
      this.answerInEnvelope();
    };
  }

  /**
   * The answers serverless-offline's own server gives (a Hapi error such as its 400 for a path that
   * is not valid percent-encoding, its route-not-found page) in the error envelope of contract §8,
   * as every answer of a function: a client of a service's own port never sees another shape.
   * The status stays (502 and 504 still say the emulator was busy).
   */
  answerInEnvelope() {
    let server;
    try {
      server = this.offline?.internals().getApiGatewayServer();
    } catch {
      return; // no HTTP events, no server
    }
    if (!server || ENVELOPED.has(server)) return;
    ENVELOPED.add(server);
    server.ext('onPreResponse', (request, h) => {
      const { response } = request;
      const status = response?.isBoom
        ? response.output.statusCode
        : response?.source?.error === OFFLINE_NOT_FOUND
          ? 404
          : undefined;
      // Not below 400: serverless-offline's own CORS extension turns a preflight's 404 into a 204.
      if (status === undefined || status < 400) return h.continue;
      const code = ERROR_CODES[status] ?? (status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL');
      const reply = h
        .response({ error: { code, message: ERROR_MESSAGES[code], requestId: randomUUID() } })
        .code(status);
      const headers = (response.isBoom ? response.output.headers : response.headers) ?? {};
      for (const [name, value] of Object.entries(headers)) if (!/^content-/i.test(name)) reply.header(name, value);
      return reply;
    });
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
