// The compare stage: baseline vs current, then the verdict. Pure functions only.
export { compareResults, noBaseline, type CompareOptions } from './compare.js';
export { validateBaseline, changedWorkloadFiles, type BaselineValidation } from './validate.js';
export { DEFAULT_THRESHOLDS } from './thresholds.js';
