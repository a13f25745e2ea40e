// The band plan: which (workers, connections) bands run, in order, and for how long.

import type { Strategy } from '../results/types.js';

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

/**
 * What planning reads from the progressive block. The config's ProgressiveConfig has these fields
 * (and more), so plan/ needs nothing of config/: the config loader calls plan/'s validator instead.
 */
export interface PlanSettings {
  enabled: boolean;
  strategy: Strategy;
  min_workers: number;
  max_workers: number;
  step_workers: number;
  min_connections: number;
  max_connections: number;
  step_connections: number;
  band_duration_s: number;
  warmup_time_s: number;
  cooldown_time_s: number;
  /** Open-loop target rate in transactions per second for the whole band; null = closed loop. */
  rate: number | null;
  /**
   * Send each BEGIN…END block of a script in one round trip (pgbench's \startpipeline). Off by
   * default: pgbench waits for each statement, and shorter lock hold times change the curve.
   */
  pipeline: boolean;
  /** A band whose error rate exceeds this is marked degraded. */
  max_error_rate: number;
}
