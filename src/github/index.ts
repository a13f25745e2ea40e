// Action glue: inputs, artifacts, the sticky comment, annotations and outputs.
export * from './inputs.js';
export * from './artifacts.js';
export * from './comment.js';
export * from './annotations.js';
export * from './outputs.js';
