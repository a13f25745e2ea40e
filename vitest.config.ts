import { defineConfig } from 'vitest/config';

// Tests in two kinds. `npm test` runs every group, one after the other:
// 0. unit: pure, files in parallel;
// 1. integration checks of behaviour alone (exit codes, messages, files, which database): real
//    servers, two files at a time, since nothing they assert depends on how fast a band ran;
// 2. integration tests that measure (fidelity, faults, gates on timings): one file at a time, so
//    they never measure each other.
const CORRECTNESS_ONLY = [
  'test/integration/app/**/*.test.ts',
  'test/integration/db/precedence.test.ts',
  'test/integration/db/embedded*.test.ts',
  'test/integration/db/wire.test.ts',
  'test/integration/e2e/action-behaviour.test.ts',
  'test/integration/e2e/run-health.test.ts',
  'test/integration/e2e/compare-cli.test.ts',
  'test/integration/github/**/*.test.ts',
  'test/integration/reliability/bad-input.test.ts',
  'test/integration/reliability/security.test.ts',
  'test/integration/reliability/preflight.test.ts',
  'test/integration/workload/pg.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/count-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration-behaviour',
          include: CORRECTNESS_ONLY,
          maxWorkers: 2,
          pool: 'forks',
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: CORRECTNESS_ONLY,
          // One server and a 2-core machine: files run one at a time.
          fileParallelism: false,
          pool: 'forks',
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
