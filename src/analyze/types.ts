// Shapes of the analysis that fills `analysis` and `optimal_config` in the results document.
// Every number that cannot be computed is null, with a reason beside it; never NaN or Infinity.

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
  /** Why a figure of a fitted model is null (R² when SST = 0, AICc when n ≤ k + 1 …) and bound remarks. Optional, added by the fitting. */
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
  /** ρ = X·S / C, the busy fraction of the pool, clipped to [0, 1] (window-edge transactions can push the raw ratio a hair above 1). */
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
