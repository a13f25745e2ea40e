// The progressive block of a config, complete, for tests that build plans and runs without a
// config file. The defaults are one band of one worker on one connection with short phases, so a
// run against the shared server stays quick; a test overrides what it is about.
import type { ProgressiveConfig } from '../../src/config/types.js';

export function progressive(overrides: Partial<ProgressiveConfig> = {}): ProgressiveConfig {
  return {
    enabled: true,
    min_workers: 1,
    max_workers: 1,
    step_workers: 1,
    min_connections: 1,
    max_connections: 1,
    step_connections: 1,
    band_duration_s: 1.5,
    warmup_time_s: 0.5,
    cooldown_time_s: 0,
    strategy: 'linear',
    export_format: 'json',
    export_path: './out',
    collect_pg_stats: false,
    pg_stat_statements: false,
    rate: null,
    time_budget_s: null,
    pipeline: false,
    client_threads: 'auto',
    max_error_rate: 0.05,
    ...overrides,
  };
}
