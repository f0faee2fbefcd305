import { defineConfig } from 'vitest/config';

// Tools and SDKs stay quiet and offline in tests, as in `npm test`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.SLS_TELEMETRY_DISABLED = '1';
process.env.SLS_NOTIFICATIONS_MODE = 'off';

export default defineConfig({
  test: {
    include: [
      '{packages,services}/*/{src,tests}/**/*.test.ts',
      'perf/tests/**/*.test.ts',
      'scripts/**/*.test.ts',
      'tests/e2e/**/*.test.ts',
    ],
    globalSetup: ['packages/local-platform/src/testing/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The offline services and DynamoDB Local share the machine's two cores with the tests.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
