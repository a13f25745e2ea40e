// The gate's default thresholds, as the README documents them.

import type { Thresholds } from '../results/comparison-types.js';

export const DEFAULT_THRESHOLDS: Thresholds = { max_tps_drop: 0.05, max_p95_increase: 0.1, confidence: 0.95 };
