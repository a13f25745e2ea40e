import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database tests share one server and a 2-core machine: run files one at a time.
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default', './test/support/count-reporter.ts'],
  },
});
