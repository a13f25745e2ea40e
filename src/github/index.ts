// Action glue: inputs, artifacts, the sticky comment, the summary, annotations and outputs.
export * from './inputs.js';
export * from './artifacts.js';
export * from './comment.js';
export * from './summary.js';
export * from './annotations.js';
export * from './outputs.js';
