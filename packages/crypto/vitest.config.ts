import { defineConfig } from 'vitest/config';

// Runs this package's tests without the root global setup (which starts the local platform):
// `node_modules/.bin/vitest run --config packages/crypto/vitest.config.ts` from the root, or
// `pnpm --filter @tenantry/crypto test`. They need no server, and run from the root config as well.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
  },
});
