// jest 30 in native ESM mode (docs/CONVENTIONS.md): run it through `node scripts/jest.mjs <paths>` or
// `npm test`, which set NODE_OPTIONS=--experimental-vm-modules. TypeScript is compiled by @swc/jest.

// Tools and SDKs stay quiet and offline in tests, as in `npm test`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.SLS_TELEMETRY_DISABLED = '1';
process.env.SLS_NOTIFICATIONS_MODE = 'off';

/** @type {import('jest').Config} */
export default {
  // Node's, failing a test file that leaves a server, socket or child process open (timers are not counted).
  testEnvironment: '<rootDir>/packages/local-platform/src/testing/environment.ts',
  testMatch: [
    '<rootDir>/{packages,services}/*/{src,tests}/**/*.test.ts',
    '<rootDir>/perf/tests/**/*.test.ts',
    '<rootDir>/scripts/**/*.test.ts',
    '<rootDir>/tests/e2e/**/*.test.ts',
    '<rootDir>/tests/assurance/**/*.test.ts',
  ],
  // Build output of serverless-esbuild and serverless package: never tests, never modules to resolve.
  modulePathIgnorePatterns: ['/\\.esbuild/', '/\\.serverless/', '/\\.serverless-package/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  // One platform on the test ports for the whole run (TENANTRY_TEST_PLATFORM=off: none).
  globalSetup: '<rootDir>/packages/local-platform/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/packages/local-platform/src/testing/global-teardown.ts',
  testTimeout: 30_000,
  // The offline services and DynamoDB Local share the machine's two cores with the tests.
  maxWorkers: 2,
};
