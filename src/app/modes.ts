// The modes behind both front ends: run, baseline and compare measure one run (and compare it with
// a baseline); ab measures base and head in paired rounds. Each returns what happened; the CLI
// prints it and exits, the action publishes it to GitHub. Neither re-assembles the pipeline.

import { runHealth, type RunHealth } from '../analyze/health.js';
import { runAb, type AbRequest, type AbResult } from '../ab/index.js';
import { compareResults, noBaseline } from '../compare/index.js';
import type { Comparison, Thresholds } from '../results/comparison-types.js';
import { runBenchmark, type RunRequest, type RunResult } from '../pipeline.js';
import { renderComparisonMarkdown } from '../report/comparison.js';
import { healthFailure } from '../report/health.js';
import { renderRunMarkdown } from '../report/index.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEnding } from './gate.js';

/** A baseline to compare with, or why there is none; `source` names it in reports. */
export interface BaselineChoice {
  doc: ResultsDocument | null;
  reason: string | null;
  source: string | null;
  runId: number | null;
}

export const NO_BASELINE: BaselineChoice = { doc: null, reason: null, source: null, runId: null };

export interface Measured extends RunResult {
  health: RunHealth;
}

/** Mode run (and the measuring half of baseline and compare): the pipeline, then the run's health. */
export async function measure(request: RunRequest): Promise<Measured> {
  const result = await runBenchmark(request);
  return { ...result, health: runHealth(result.doc) };
}

/** The comparison of a run with its baseline choice: no-baseline with the reason when there is none. */
export function compareWithBaseline(
  doc: ResultsDocument,
  baseline: BaselineChoice,
  thresholds: Thresholds,
): Comparison {
  return baseline.doc
    ? compareResults(doc, baseline.doc, thresholds)
    : noBaseline(baseline.reason ?? 'no baseline', thresholds);
}

/**
 * The report of a run and its comparison: the job summary, the comment and `pgscale compare`'s
 * output. A baseline that the comparison rejected (another plan) is named as such and kept out of
 * the chart.
 */
export function comparisonReport(
  doc: ResultsDocument,
  comparison: Comparison | null,
  baseline: BaselineChoice,
  title: string,
): string {
  const rejected = comparison?.verdict === 'no-baseline' && baseline.doc !== null;
  return (
    renderComparisonMarkdown({
      comparison,
      current: doc,
      baseline: rejected ? null : baseline.doc,
      title,
      baseline_source:
        rejected && baseline.source ? `${baseline.source} (not compared; see the verdict)` : baseline.source,
    }) +
    '\n' +
    renderRunMarkdown(doc)
  );
}

/** How a measured run ended, for endingOf. */
export function measuredEnding(m: Measured, comparison: Comparison | null, interrupted: boolean): RunEnding {
  return {
    what: 'run',
    interrupted,
    failure: m.failure,
    partial: m.doc.partial,
    partialReason: m.doc.partial_reason,
    healthFailure: healthFailure(m.health),
    comparison,
  };
}

export interface MeasuredAb extends AbResult {
  /** Each side's health, base first. */
  sides: { side: 'base' | 'head'; health: RunHealth }[];
}

/** Mode ab: paired rounds of base and head on one server, then each side's health. */
export async function measureAb(request: AbRequest): Promise<MeasuredAb> {
  const result = await runAb(request);
  const sides = (['base', 'head'] as const).map((side) => ({ side, health: runHealth(result[side]) }));
  return { ...result, sides };
}

/** How an A/B run ended, for endingOf: a side whose transactions failed outweighs the verdict. */
export function abEnding(m: MeasuredAb, interrupted: boolean): RunEnding {
  const failed = m.sides.find(({ health }) => health.status === 'failed');
  return {
    what: 'A/B run',
    interrupted,
    failure: m.failure,
    partial: m.partial,
    partialReason: null,
    healthFailure: failed ? healthFailure(failed.health, failed.side) : null,
    comparison: m.comparison,
  };
}
