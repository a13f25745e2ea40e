// The shared vocabulary of pgscale: the effective config, the band plan and the one
// versioned results document that every view (CSV, JSON, Markdown, baselines) is made from.
// Only types and constants live here, so every stage may import it.

import type { Analysis, OptimalConfig } from './analyze/types.js';

export const SCHEMA_VERSION = 1;

export type Strategy = 'linear' | 'exponential' | 'fibonacci';
export type ExportFormat = 'csv' | 'json' | 'both';
export type BuiltinWorkloadName = 'tpcb' | 'select-only' | 'simple-update';

/** Durations are held in seconds once the config is loaded. */
export interface ProgressiveConfig {
  enabled: boolean;
  min_workers: number;
  max_workers: number;
  step_workers: number;
  min_connections: number;
  max_connections: number;
  step_connections: number;
  band_duration_s: number;
  warmup_time_s: number;
  cooldown_time_s: number;
  strategy: Strategy;
  export_format: ExportFormat;
  /** As written (relative paths are resolved against the working directory when exporting). */
  export_path: string;
  collect_pg_stats: boolean;
  /** The spec spells it `pg_stats_statements`; `pg_stat_statements` is accepted too. */
  pg_stat_statements: boolean;
  /** Open-loop target rate in transactions per second for the whole band; null = closed loop. */
  rate: number | null;
  /** Refuse to start when the plan's estimated duration exceeds this; null = no budget. */
  time_budget_s: number | null;
  /** A band whose error rate exceeds this is marked degraded. */
  max_error_rate: number;
  /**
   * Send each BEGIN…END block of a script in one round trip (pgbench's \startpipeline). Off by
   * default: pgbench waits for each statement, and shorter lock hold times change the curve.
   */
  pipeline: boolean;
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

export interface BandSpec {
  band_id: number;
  workers: number;
  connections: number;
}

export interface BandPlan {
  strategy: Strategy;
  bands: BandSpec[];
  band_duration_s: number;
  warmup_time_s: number;
  cooldown_time_s: number;
  estimated_duration_s: number;
  /** Open-loop target rate in transactions per second for each band; null = closed loop. */
  rate: number | null;
  /** Send each BEGIN…END block of a script in one round trip (see ProgressiveConfig.pipeline). */
  pipeline: boolean;
  /** A band whose error rate exceeds this is marked degraded. */
  max_error_rate: number;
}

export interface LatencySummary {
  count: number;
  mean_ms: number | null;
  stddev_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export interface ClientLoad {
  /** Event-loop utilisation of the loop(s) driving workers over the measured window, 0..1. */
  event_loop_utilization: number | null;
  event_loop_delay_p99_ms: number | null;
  /** Client CPU time (user + system) per committed transaction, microseconds. */
  cpu_us_per_tx: number | null;
  /** True when the load generator, not the database, was the limit. */
  client_bound: boolean;
  /** Event loops that drove the workers (absent in results from before client threads: 1). */
  threads?: number;
  /** Each loop's own figures when there were several; event_loop_utilization above is the busiest. */
  loops?: { event_loop_utilization: number; event_loop_delay_p99_ms: number | null }[];
}

export interface WaitEventShare {
  wait_event_type: string;
  wait_event: string | null;
  fraction: number;
}

export interface StatementStat {
  query: string;
  calls: number;
  total_time_ms: number;
  mean_time_ms: number;
}

export interface PgStatsDelta {
  xact_commit: number;
  xact_rollback: number;
  blks_hit: number;
  blks_read: number;
  tup_returned: number;
  tup_fetched: number;
  tup_inserted: number;
  tup_updated: number;
  tup_deleted: number;
  deadlocks: number;
  temp_bytes: number;
  /** Fractions of sampled active backends by wait event; CPU (no wait) shows as type 'CPU'. */
  wait_events: WaitEventShare[];
  activity_samples: number;
  top_statements: StatementStat[] | null;
}

export interface RateSchedule {
  target_tps: number;
  /** Schedule lag: how late transactions started against their scheduled time. */
  lag_mean_ms: number;
  lag_max_ms: number;
  held: boolean;
}

export interface BandResult {
  band_id: number;
  workers: number;
  connections: number;
  status: 'complete' | 'partial' | 'failed';
  started_at: string;
  /** Length of the measured window actually observed, in seconds. */
  duration_s: number;
  transactions: number;
  failed_transactions: number;
  statements: number;
  total_tps: number;
  total_qps: number;
  /** End-to-end transaction latency: pool wait + service time. */
  latency: LatencySummary;
  pool_wait: LatencySummary;
  service_time: LatencySummary;
  /** Committed transactions in each whole second of the measured window. */
  tps_series: number[];
  /**
   * p95 latency (ms) of the transactions committed in each whole second of the measured window,
   * null for a second with none. Lets comparisons see how much p95 moves over time, not only
   * within one pooled histogram. Absent in documents from older runners.
   */
  p95_series_ms?: (number | null)[];
  /** HDR histograms of end-to-end latency in microseconds, base64 compressed (hdr-histogram-js encoding). */
  latency_histogram: string;
  /** Failed transactions by SQLSTATE (or a pgscale code such as 'CONNECTION' when there is none). */
  errors: Record<string, number>;
  /** The first failure of each code in `errors`: the server's message and the failing statement. Absent in older documents. */
  error_examples?: Record<string, ErrorExample>;
  /** failed / attempted transactions. */
  error_rate: number;
  /** True when the error rate crossed max_error_rate, or the server was unreachable during the window. */
  degraded: boolean;
  /**
   * Seconds of the measured window during which the server was unreachable: from a pool
   * connection's loss until it could be replaced (to within the reconnect backoff, ≤ 2 s), for
   * losses whose first reconnect failed. 0: none seen. Absent in documents from older runners.
   */
  outage_s?: number;
  /** NoticeResponses (NOTICE, WARNING, …) the server sent during the window, by severity. Absent in older documents. */
  notices?: Record<string, number>;
  client: ClientLoad;
  pg_stats: PgStatsDelta | null;
  rate: RateSchedule | null;
}

/** What one failure said, and where: enough to find the statement without a debugger. */
export interface ErrorExample {
  /** The server's message (or the client's), secrets masked, at most 300 characters. */
  message: string;
  /** The script line that failed, as file:line; null when no statement was running. */
  statement: string | null;
}

export interface EnvironmentFacts {
  server_version: string | null;
  server_version_num: number | null;
  /** Settings that matter for scaling, as PostgreSQL reports them (with units). */
  settings: Record<string, string>;
  client_cpus: number;
  client_cpu_model: string | null;
  node_version: string;
  platform: string;
  embedded_server: boolean;
}

export interface WorkloadFileDigest {
  /** Path relative to the config file's directory. */
  path: string;
  role: 'script' | 'setup';
  sha256: string;
}

export interface ResultsDocument {
  schema_version: typeof SCHEMA_VERSION;
  tool: { name: 'pgscale'; version: string };
  test_start_time: string;
  test_end_time: string | null;
  partial: boolean;
  partial_reason: string | null;
  workload: string;
  scale: number;
  strategy: Strategy;
  /** The effective config with secrets removed. */
  config: unknown;
  /** Hash of what makes two runs comparable: bands, durations, workload name and scale. */
  plan_fingerprint: string;
  workload_files: WorkloadFileDigest[];
  environment: EnvironmentFacts;
  bands: BandResult[];
  analysis: Analysis | null;
  optimal_config: OptimalConfig | null;
}
