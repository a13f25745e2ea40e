// The gate's flags, shared by `pgscale ab` and `pgscale compare`: thresholds and --fail-on.

import { DEFAULT_THRESHOLDS } from '../compare/thresholds.js';
import type { Thresholds } from '../results/comparison-types.js';
import { parseFraction } from '../github/inputs.js';

export interface GateFlags {
  maxTpsDrop?: string;
  maxP95Increase?: string;
  failOn?: 'regression' | 'inconclusive' | 'never';
}

/** --max-tps-drop and --max-p95-increase as fractions, the defaults where absent. */
export function thresholdsFromFlags(flags: GateFlags): Thresholds {
  return {
    max_tps_drop: flags.maxTpsDrop
      ? parseFraction('--max-tps-drop', flags.maxTpsDrop, 1)
      : DEFAULT_THRESHOLDS.max_tps_drop,
    max_p95_increase: flags.maxP95Increase
      ? parseFraction('--max-p95-increase', flags.maxP95Increase, 10)
      : DEFAULT_THRESHOLDS.max_p95_increase,
    confidence: DEFAULT_THRESHOLDS.confidence,
  };
}
