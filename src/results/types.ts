// The results document: one typed, versioned object per run (its bands, the environment, the
// analysis and the optimum), of which CSV, JSON, Markdown, baselines and comparisons are views.
// Types and constants only, importing nothing, so every stage may use it. Every number the
// analysis cannot compute is null with a reason beside it; never NaN or Infinity.

export const SCHEMA_VERSION = 1;

export type Strategy = 'linear' | 'exponential' | 'fibonacci';

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
  /**
   * Width (ms) of the sub-second slices below (250): a band of a few seconds still yields enough
   * batches for an interval. Absent in documents from older runners.
   */
  slice_ms?: number;
  /** Committed transactions in each whole slice of the measured window. */
  tps_slices?: number[];
  /** p95 latency (ms) of each whole slice, null for a slice with none. */
  p95_slices_ms?: (number | null)[];
  /** HDR histograms of end-to-end latency in microseconds, base64 compressed (hdr-histogram-js encoding). */
  latency_histogram: string;
  /** Failed transactions by SQLSTATE (or a pgscale code such as 'CONNECTION' when there is none). */
  errors: Record<string, number>;
  /**
   * The first failure of each code in `errors`: the server's message and the failing statement. Absent in older
   * documents.
   */
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

// ---------------------------------------------------------------------------------------------
// The analysis: `analysis` and `optimal_config` of the document.

export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** A value that may be unavailable, with the reason when it is. */
export interface Estimate {
  value: number | null;
  interval: Interval | null;
  reason: string | null;
}

export interface BandStatistics {
  band_id: number;
  workers: number;
  connections: number;
  /** The concurrency the database sees: min(workers, connections). */
  concurrency: number;
  tps: Estimate;
  latency_mean_ms: Estimate;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  latency_stddev_ms: number | null;
  latency_variance_ms2: number | null;
  latency_cv: number | null;
  tps_per_worker: number | null;
  tps_per_connection: number | null;
  /**
   * Busy fraction of the pool by Little's law: mean service time × attempted TPS / C, clipped to [0, 1].
   * In a closed loop it is ≈ min(W, C)/C minus the share of time workers spend client-side between
   * transactions, so ~1 at W ≥ C says the pool was never idle, not that the server was saturated.
   * The same value as queueing_theory.bands[].utilization (one computation); null without a measured
   * service time. Documents written before both came from one computation may hold 0 here where
   * the service time was 0.
   */
  connection_utilization: number | null;
  client_bound: boolean;
}

export type Axis = 'workers' | 'connections' | 'concurrency';

export interface MarginalGain {
  axis: Axis;
  /** The coordinate held fixed along the axis (connections when axis = workers, …); null for concurrency. */
  fixed: number | null;
  from_band: number;
  to_band: number;
  from_value: number;
  to_value: number;
  /** ΔTPS / Δaxis with its interval. */
  gain: Estimate;
  /** gain ÷ per-worker (per-unit) throughput of the first band on this line: 1 = ideal linear scaling. */
  normalized_gain: Estimate;
  significant: boolean;
}

export type InflectionType = 'acceleration' | 'deceleration' | 'peak' | 'collapse';

export interface InflectionPoint {
  axis: Axis;
  fixed: number | null;
  band_id: number;
  type: InflectionType;
  /** Second difference divided by the step: (g₂ − g₁) / ((x₃ − x₁)/2). */
  second_difference: number;
  /** |second difference| / its standard error. */
  z_score: number;
  explanation: string;
}

export type ModelName = 'linear' | 'logarithmic' | 'exponential' | 'usl' | 'amdahl';

export interface ModelFit {
  model: ModelName;
  /** Named parameters, e.g. {a, b} or {lambda, sigma, kappa}. */
  parameters: Record<string, number>;
  r_squared: number | null;
  rmse: number | null;
  aicc: number | null;
  /** Set when the model could not be fitted; then the figures above are null. */
  reason: string | null;
  /**
   * Why a figure of a fitted model is null (R² when SST = 0, AICc when n ≤ k + 1 …) and bound remarks. Optional, added
   * by the fitting.
   */
  notes?: string[];
}

/** How the USL intervals were obtained. */
export interface UslBootstrap {
  /** 'moving-block': per-second series of each band resampled in blocks; 'residual': fit residuals resampled. */
  method: 'moving-block' | 'residual';
  resamples: number;
  /** Refits that failed (did not converge or were not finite); intervals use the others. */
  failed: number;
  failed_fraction: number;
  description: string;
}

export interface UslFit {
  sigma: number | null;
  kappa: number | null;
  lambda: number | null;
  peak_concurrency: number | null;
  peak_tps: number | null;
  r_squared: number | null;
  sigma_ci: Interval | null;
  kappa_ci: Interval | null;
  peak_concurrency_ci: Interval | null;
  peak_tps_ci: Interval | null;
  /** Why any of the figures above is null; null when all are present. */
  reason: string | null;
  /** σ is held at its bound 0 while the data pull it lower: throughput per unit of concurrency grows. Optional. */
  superlinear?: boolean;
  /** Informational remarks (bound hits, extrapolation, bootstrap caveats). Optional. */
  notes?: string[];
  /** Optional: the bootstrap behind the intervals, null when none was run. */
  bootstrap?: UslBootstrap | null;
}

export interface Prediction {
  concurrency: number;
  tps: number;
  model: ModelName;
}

export interface CurveFitting {
  /** Always 'concurrency' = min(workers, connections); see README. */
  axis: 'concurrency';
  points_used: number;
  /** Bands left out of the fits (client-bound, failed, zero TPS), with why. */
  excluded: { band_id: number; reason: string }[];
  models: ModelFit[];
  best_model: ModelName | null;
  best_model_reason: string;
  usl: UslFit;
  /** Predictions up to 2× the largest measured concurrency, never beyond. */
  predictions: Prediction[];
}

export type Bottleneck = 'client-bound' | 'pool-bound' | 'server-cpu' | 'server-io' | 'server-lock' | 'server';

export interface QueueingBand {
  band_id: number;
  /** Little's law check: workers vs throughput × response time (closed system: N = X·(R+Z), Z≈0). */
  littles_law_n: number | null;
  littles_law_error: number | null;
  service_time_ms: number | null;
  /** Per-connection service rate μ = 1 / service time. */
  service_rate: number | null;
  /**
   * ρ = X·S / C, the busy fraction of the pool, clipped to [0, 1] (window-edge transactions can push
   * the raw ratio a hair above 1). The same value as band_statistics[].connection_utilization.
   */
  utilization: number | null;
  /**
   * Mean pool wait the queueing model expects, in ms: 0 when workers ≤ connections (a closed loop
   * cannot queue for the pool), else the open M/M/c (Erlang C) wait capped by the closed-loop bound
   * (W − C)·S/C. See prediction_method / prediction_reason.
   */
  predicted_pool_wait_ms: number | null;
  observed_pool_wait_ms: number | null;
  /** Erlang C probability of waiting in the open M/M/c model; null where that model does not apply (W ≤ C or ρ ≥ 1). */
  erlang_c_probability: number | null;
  /** Optional (added after v1): the uncapped open M/M/c mean wait, ms; null where the model does not apply. */
  open_model_pool_wait_ms?: number | null;
  /** Optional: the closed-loop upper bound on mean pool wait, (W − C)·S/C ms (0 when W ≤ C). */
  closed_loop_bound_ms?: number | null;
  /** Optional: how predicted_pool_wait_ms was obtained. */
  prediction_method?: 'no-pool-queue' | 'erlang-c' | 'closed-loop-bound' | null;
  /** Optional: why the prediction is what it is (or null), in words. */
  prediction_reason?: string | null;
  bottleneck: Bottleneck;
  evidence: string;
}

export interface QueueingAnalysis {
  model: 'M/M/c (Erlang C) against a closed-loop benchmark';
  bands: QueueingBand[];
  notes: string[];
}

export type RegionLabel = 'linear' | 'diminishing' | 'saturation' | 'degradation';

export interface BandRegion {
  band_id: number;
  label: RegionLabel | null;
  reason: string;
}

export interface Region {
  label: RegionLabel;
  from_band: number;
  to_band: number;
  band_ids: number[];
}

export interface Recommendation {
  type: 'configuration' | 'system';
  priority: 'high' | 'medium' | 'low';
  category: 'workers' | 'connections' | 'pool' | 'saturation' | 'database' | 'hardware' | 'client' | 'measurement';
  suggestion: string;
  /** Expected TPS gain in percent, derived from measured numbers; null when none can be stated. */
  expected_gain: number | null;
  /** 0..1, derived from the statistical evidence behind the suggestion. */
  confidence: number;
}

export interface OptimalConfig {
  band_id: number;
  workers: number;
  connections: number;
  tps: number;
  p95_latency_ms: number | null;
  fraction_of_peak: number;
  objective: string;
  reasoning: string;
  slo_met: boolean;
}

export interface Analysis {
  band_statistics: BandStatistics[];
  marginal_gains: MarginalGain[];
  inflection_points: InflectionPoint[];
  curve_fitting: CurveFitting;
  queueing_theory: QueueingAnalysis;
  band_regions: BandRegion[];
  regions: Region[];
  recommendations: Recommendation[];
  /** Why the optimum is null, when it is. */
  optimal_reason: string | null;
  warnings: string[];
}
