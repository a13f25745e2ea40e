// The compare stage: baseline vs current, the paired A/B statistics, then the verdict. Pure functions only.
export { compareResults, type CompareOptions } from './compare.js';
export {
  decideVerdict,
  noBaseline,
  optimalShift,
  type ShiftWords,
  type VerdictOutcome,
  type VerdictSentences,
} from './verdict.js';
export { analyzeAb, figureStats, MIN_ROUNDS } from './paired.js';
export * from './paired-stats.js';
export { validateBaseline, changedWorkloadFiles, type BaselineValidation } from './validate.js';
export { MIN_DECIDABLE_WINDOW_S, shortBandWarning } from './evidence.js';
export { DEFAULT_THRESHOLDS } from './thresholds.js';
