export { loadConfigFile, parseConfigText } from './load.js';
export { parseDuration, formatDuration } from './duration.js';
export { configJsonSchema } from './schema.js';
