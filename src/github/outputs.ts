// The action's outputs. Whether the step fails is app/gate.ts's rule, shared with the CLI.

import * as core from '@actions/core';
import type { Comparison } from '../results/comparison-types.js';
import type { ResultsDocument } from '../results/types.js';

export interface OutputValues {
  /** null in modes run and baseline: the verdict output is then `not-compared`. */
  comparison: Comparison | null;
  doc: ResultsDocument;
  /** Path of the results JSON written by the run ('' when none). */
  results_json: string | null;
  /** Path of the Markdown report written by the run ('' when none). */
  report_markdown: string | null;
  /** The run the baseline artifact came from; the output stays empty when the comparison rejected it (no-baseline). */
  baseline_run_id: number | null;
  comment_url: string | null;
}

export type OutputSetter = (name: string, value: string) => void;

/** Computes the output values (also handy for logging) without setting them. */
export function outputValues(v: OutputValues): Record<string, string> {
  let peak: number | null = null;
  for (const b of v.doc.bands) {
    if (b.status !== 'failed' && Number.isFinite(b.total_tps) && (peak === null || b.total_tps > peak))
      peak = b.total_tps;
  }
  const opt = v.doc.optimal_config;
  return {
    verdict: v.comparison ? v.comparison.verdict : 'not-compared',
    'peak-tps': peak === null ? '' : String(Math.round(peak * 10) / 10),
    'optimal-workers': opt ? String(opt.workers) : '',
    'optimal-connections': opt ? String(opt.connections) : '',
    'results-json': v.results_json ?? '',
    'report-markdown': v.report_markdown ?? '',
    // A baseline the comparison rejected (another plan, a malformed document) was not compared against.
    'baseline-run-id':
      v.baseline_run_id === null || v.comparison?.verdict === 'no-baseline' ? '' : String(v.baseline_run_id),
    'comment-url': v.comment_url ?? '',
  };
}

export function setOutputs(
  v: OutputValues,
  set: OutputSetter = (n, x) => core.setOutput(n, x),
): Record<string, string> {
  const values = outputValues(v);
  for (const [name, value] of Object.entries(values)) set(name, value);
  return values;
}
