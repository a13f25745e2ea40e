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
}
