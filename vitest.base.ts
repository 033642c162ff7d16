import { defineConfig } from 'vitest/config';

const conditions = ['@hero/source', 'node', 'import', 'default'];

/** Shared test settings: resolve workspace packages to their src/ (no build needed). */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hero/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
