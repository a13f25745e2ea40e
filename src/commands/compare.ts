// `pgscale compare BASELINE CURRENT`: the action's compare mode on two results documents, the
// way `benchstat old new` works: the same verdict, report and exit code, without a run.

import { runHealth } from '../analyze/health.js';
import { endingOf } from '../app/gate.js';
import { compareWithBaseline, comparisonReport, type BaselineChoice } from '../app/modes.js';
import { healthFailure } from '../report/health.js';
import { readResultsFile } from '../results/read.js';
import { comparisonJson } from '../results/write.js';
import { thresholdsFromFlags, type GateFlags } from './gate-flags.js';

export interface CompareFlags extends GateFlags {
  json?: boolean;
}

export async function compareCommand(baselineFile: string, currentFile: string, flags: CompareFlags): Promise<number> {
  const baselineDoc = readResultsFile(baselineFile);
  const current = readResultsFile(currentFile);
  const baseline: BaselineChoice = { doc: baselineDoc, reason: null, source: `file ${baselineFile}`, runId: null };
  const comparison = compareWithBaseline(current, baseline, thresholdsFromFlags(flags));
  process.stdout.write(
    flags.json ? comparisonJson(comparison) : comparisonReport(current, comparison, baseline, currentFile),
  );
  const ending = endingOf(
    {
      what: 'run',
      interrupted: false,
      failure: null,
      partial: current.partial,
      partialReason: current.partial_reason,
      healthFailure: healthFailure(runHealth(current)),
      comparison,
    },
    flags.failOn ?? 'regression',
  );
  if (ending.message !== null) process.stderr.write(`${ending.message}\n`);
  return ending.code;
}
