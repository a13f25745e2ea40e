// Same-runner A/B mode: base and head measured in one job, paired statistics, confirmation.
export { analyzeAb, figureStats, MIN_ROUNDS, type AbAnalysisInput, type AbBandSection, type AbPair, type AbSection } from './analyze.js';
export { abSchedule, flattenSchedule, type AbSlot, type Side } from './plan.js';
export { renderAbMarkdown, renderAbText } from './report.js';
export { AB_RESULTS_FILE, DEFAULT_AB_ROUNDS, rebaseWorkload, resolveReset, runAb, type AbRequest, type AbResult } from './runner.js';
export { baseShaFromPayload, materializeBaseFiles, workloadFiles } from './sources.js';
export * from './stats.js';
