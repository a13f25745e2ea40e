// What the paired A/B analysis reads: the plan's bands, the paired rounds, the thresholds and the
// sides. Its own file, so that paired.ts and paired-curve.ts both take it without importing each other.

import type { AnalysisSettings } from '../config/types.js';
import type { BandSpec } from '../plan/types.js';
import type { AbPair, Side } from '../results/ab-types.js';
import type { Thresholds } from '../results/comparison-types.js';
import type { ResultsDocument } from '../results/types.js';

export interface AbAnalysisInput {
  bands: BandSpec[];
  pairs: AbPair[];
  /** Rounds per band: each a reset, both pools opened, a warm-up and `blocks_per_round` ABBA blocks. */
  rounds: number;
  /** Paired observations (ABBA blocks of turns) per round; 1 when omitted. */
  blocks_per_round?: number;
  /** Width of one turn (ms), as reported; 0 when not interleaved (tests). */
  turn_ms?: number;
  confirm: boolean;
  thresholds: Thresholds;
  settings: AnalysisSettings;
  /** The merged per-side documents (analysed), for the optimum shift and changed files; optional. */
  baseDoc?: ResultsDocument | null;
  headDoc?: ResultsDocument | null;
  sides: Record<Side, { source: string; database: string }>;
}
