// `pgscale analyze FILE`: the analysis again, on a saved results JSON or any band-table CSV.

import { loadConfigFile } from '../config/index.js';
import { EXIT_OK } from '../errors.js';
import { silentLogger } from '../log.js';
import { finishAnalysis } from '../pipeline.js';
import { renderTerminalReport } from '../report/index.js';
import { toJson } from '../results/write.js';
import { readResultsFile } from '../results/read.js';
import { DEFAULT_ANALYSIS_SETTINGS, type PgscaleConfig } from '../config/types.js';

export async function analyzeCommand(file: string, options: { json: boolean; configPath?: string }): Promise<number> {
  const doc = readResultsFile(file);
  const settings: Pick<PgscaleConfig, 'analysis' | 'slo'> = options.configPath
    ? loadConfigFile(options.configPath)
    : { analysis: { ...DEFAULT_ANALYSIS_SETTINGS }, slo: { p95_latency_ms: null, error_rate: null } };
  finishAnalysis(doc, settings, {
    ...silentLogger,
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
  });
  process.stdout.write(
    options.json ? toJson(doc) : `${renderTerminalReport(doc, { color: process.stdout.isTTY === true })}\n`,
  );
  return EXIT_OK;
}
