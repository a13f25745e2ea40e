// The effective config once loaded: durations in seconds, paths resolved, defaults applied.
// Types and the documented defaults only.

import type { PlanSettings } from '../plan/types.js';

export type ExportFormat = 'csv' | 'json' | 'both';
export type BuiltinWorkloadName = 'tpcb' | 'select-only' | 'simple-update';

/** Durations are held in seconds once the config is loaded; what planning reads is PlanSettings. */
export interface ProgressiveConfig extends PlanSettings {
  export_format: ExportFormat;
  /** As written (relative paths are resolved against the working directory when exporting). */
  export_path: string;
  collect_pg_stats: boolean;
  /** The spec spells it `pg_stats_statements`; `pg_stat_statements` is accepted too. */
  pg_stat_statements: boolean;
  /** Refuse to start when the plan's estimated duration exceeds this; null = no budget. */
  time_budget_s: number | null;
  /**
   * Event loops driving the workers: 'auto' = one per CPU core. Each loop runs a share of the
   * workers and of the connections; open-loop (rate) bands always run on one loop.
   */
  client_threads: 'auto' | number;
}

export interface DatabaseConfig {
  url?: string;
  host?: string;
  port?: number;
  dbname?: string;
  username?: string;
  password?: string;
  sslmode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

export interface ScriptRef {
  /** Absolute path, resolved against the config file's directory. */
  file: string;
  weight: number;
}

export type WorkloadConfig =
  | { kind: 'builtin'; name: BuiltinWorkloadName }
  | { kind: 'scripts'; name: string; scripts: ScriptRef[]; setup: string[] };

export interface SloConfig {
  p95_latency_ms: number | null;
  error_rate: number | null;
}

/** Thresholds of the analysis; documented in the README. */
export interface AnalysisSettings {
  /** Normalised marginal gain at or above which a step counts as linear scaling. */
  linear_min_efficiency: number;
  /** A band within this fraction of the peak TPS whose change is not significant is saturated. */
  saturation_tolerance: number;
  /** Confidence level of every interval, e.g. 0.95. */
  confidence: number;
  /** Batch count for batch-means intervals over the per-second series. */
  batches: number;
  /** Bootstrap resamples for USL intervals. */
  bootstrap_resamples: number;
  /** Seed of every random choice the analysis makes, so results are reproducible. */
  seed: number;
}

/** The documented defaults of `analysis:`; the config schema and the analysis both use these. */
export const DEFAULT_ANALYSIS_SETTINGS: Readonly<AnalysisSettings> = {
  linear_min_efficiency: 0.75,
  saturation_tolerance: 0.05,
  confidence: 0.95,
  batches: 10,
  bootstrap_resamples: 500,
  seed: 42,
};

export interface PgscaleConfig {
  /** The config file (absolute) or null when built from flags alone; dir resolves relative paths. */
  source: { file: string | null; dir: string };
  progressive: ProgressiveConfig;
  database: DatabaseConfig | null;
  workload: WorkloadConfig;
  scale: number;
  slo: SloConfig;
  analysis: AnalysisSettings;
}
