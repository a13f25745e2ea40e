// Same-runner A/B mode: base and head measured in one job, paired statistics, confirmation.
export type { AbAnalysisInput, AbBandSection, AbPair, AbSection } from './analyze.js';
export { abSchedule, flattenSchedule, type AbSlot, type Side } from './plan.js';
export { AB_RESULTS_FILE, DEFAULT_AB_ROUNDS, rebaseWorkload, resolveReset, runAb, type AbRequest, type AbResult } from './runner.js';
export { baseShaFromPayload, materializeBaseFiles, workloadFiles } from './sources.js';
