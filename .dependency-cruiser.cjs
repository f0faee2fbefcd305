// The layering of the repository, checked by `npm test` (step `dependency rules`):
//   node_modules/.bin/depcruise services packages --config .dependency-cruiser.cjs
// Paths are the real files an import resolves to: `@tenantry/<name>` resolves through its pnpm
// symlink and its `exports` to packages/<name>/src/…, so a rule about packages/dynamo also catches
// `import … from '@tenantry/dynamo'`. Type-only imports count (tsPreCompilationDeps).

/** Code that runs in a Lambda or is bundled into one: service and package sources, not tests. */
const RUNTIME = '^(services|packages)/[^/]+/src/';
/** Test code: tests/ folders, *.test.ts files and the `@tenantry/<name>/testing` subpaths. */
const TEST_CODE = ['(^|/)tests/', '\\.test\\.ts$', '^packages/[^/]+/src/testing(\\.ts$|/)'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'handler-imports-data',
      comment:
        'Handlers never import data/: a handler calls a use case and the runtime (runtime.ts), never a repository, a key or an item shape.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/functions/' },
      to: { path: '^services/[^/]+/src/data/' },
    },
    {
      name: 'domain-imports-data-or-aws',
      comment:
        'Domain code never imports data/, the AWS SDK or @tenantry/dynamo: what domain/ needs from storage is a port in domain/ports.ts and a shared type in @tenantry/models.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: ['^services/[^/]+/src/data/', '(^|/)@aws-sdk/', '^packages/dynamo/', '^@tenantry/dynamo'] },
    },
    {
      name: 'service-imports-another-service',
      comment:
        'No service imports another service: services share code only through packages/ and talk through events and HTTP.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'package-imports-service',
      comment: 'Packages never import a service: packages/ are shared by the services and depend on none of them.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'runtime-imports-local-platform',
      comment:
        'Runtime code never imports the local platform (@tenantry/local-platform): it runs only on a developer machine and in tests, never in a deployed bundle.',
      severity: 'error',
      from: { path: RUNTIME, pathNot: ['^packages/local-platform/', ...TEST_CODE] },
      to: { path: ['^packages/local-platform/', '^@tenantry/local-platform'] },
    },
    {
      name: 'runtime-imports-test-code',
      comment:
        'Runtime code never imports test code (tests/, *.test.ts, @tenantry/<name>/testing): test helpers never reach a deployed bundle.',
      severity: 'error',
      from: { path: RUNTIME, pathNot: ['^packages/local-platform/', ...TEST_CODE] },
      to: { path: [...TEST_CODE, '^@tenantry/[^/]+/testing'] },
    },
  ],
  options: {
    // Leaves, not cruised: the rules still see an import of node_modules/…/@aws-sdk/….
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.esbuild|\\.serverless|\\.serverless-package|\\.turbo|\\.local)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
