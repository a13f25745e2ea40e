// Same-runner A/B mode, the orchestration: the ABBA schedule, each side's files and database, the
// interleaved rounds and their confirmation. The paired statistics are compare/paired.ts's.
export { abSchedule, flattenSchedule, type AbSlot } from './plan.js';
export {
  AB_RESULTS_FILE,
  DEFAULT_AB_ROUNDS,
  rebaseWorkload,
  resolveReset,
  runAb,
  type AbRequest,
  type AbResult,
} from './runner.js';
export { baseShaFromPayload, materializeBaseFiles, workloadFiles } from './sources.js';
