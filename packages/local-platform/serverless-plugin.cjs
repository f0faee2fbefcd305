// @ts-check
'use strict';
/**
 * The local platform's Serverless plugin, listed after serverless-esbuild in every service's
 * serverless.yml. It changes nothing deployed: it only acts under `sls offline`.
 *
 * - It stops esbuild's service process once serverless-esbuild has bundled the functions, and again
 *   after each rebuild of its watch. That Go process otherwise lives on with everything it parsed
 *   (1–2 GB per service, measured: issue 13); the next rebuild starts a new one. serverless-esbuild
 *   then builds without esbuild contexts (`skipRebuild: true` in services/serverless.shared.yml):
 *   a context would die with the process.
 */
const { createRequire } = require('node:module');
const { join } = require('node:path');

class TenantryLocalPlatformPlugin {
  /**
   * @param {any} serverless
   * @param {Record<string, unknown>} options
   */
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    const afterBuild = () => this.stopEsbuild();
    this.hooks = {
      // Same events as serverless-esbuild's offline build; listed after it, these run after it.
      'before:offline:start': afterBuild,
      'before:offline:start:init': afterBuild,
      // serverless-esbuild's watch rebuilt the bundles and told serverless-offline.
      'after:offline:functionsUpdated:cleanup': () => this.stopEsbuild(),
    };
  }

  /** The esbuild module serverless-esbuild uses (the service process is per module instance). */
  esbuild() {
    const fromService = createRequire(join(this.serverless.serviceDir, 'package.json'));
    return createRequire(fromService.resolve('serverless-esbuild'))('esbuild');
  }

  async stopEsbuild() {
    await this.esbuild().stop();
  }
}

module.exports = TenantryLocalPlatformPlugin;
