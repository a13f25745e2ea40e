// The one rule that turns how a run ended, and its verdict, into an exit code (CLI) and the
// message the action fails its step with. Both front ends call it, so they cannot diverge.

import type { Comparison, Verdict } from '../results/comparison-types.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_REGRESSION } from '../errors.js';
import type { FailOn } from '../github/inputs.js';

/**
 * Whether the verdict fails the gate. `regression`: only a fail. `inconclusive`: also
 * inconclusive and no-baseline (neither proves the change is fine). `never`: report only.
 * @example gateFails('inconclusive', 'inconclusive') === true
 */
export function gateFails(verdict: Verdict | null, failOn: FailOn): boolean {
  if (verdict === null || failOn === 'never') return false;
  if (verdict === 'fail') return true;
  return failOn === 'inconclusive' && (verdict === 'inconclusive' || verdict === 'no-baseline');
}

/** How a run (or an A/B run) ended, as the pipeline reports it. */
export interface RunEnding {
  /** 'run' or 'A/B run', for the message. */
  what: string;
  interrupted: boolean;
  /** Set when the run stopped early with an error. */
  failure: Error | null;
  partial: boolean;
  partialReason: string | null;
  /** healthFailure()'s line when a band committed nothing or every band is degraded. */
  healthFailure: string | null;
  /** null in modes that compare nothing. */
  comparison: Comparison | null;
}

/** The exit code and, unless it is 0, the one line that says why; the first reason wins. */
export function endingOf(e: RunEnding, failOn: FailOn): { code: number; message: string | null } {
  if (e.interrupted)
    return { code: EXIT_INTERRUPTED, message: 'pgscale was interrupted; partial results were written' };
  if (e.failure) return { code: EXIT_FAILURE, message: `pgscale ${e.what} stopped early: ${e.failure.message}` };
  if (e.partial)
    return { code: EXIT_FAILURE, message: `pgscale ${e.what} is partial: ${e.partialReason ?? 'unknown reason'}` };
  if (e.healthFailure) return { code: EXIT_FAILURE, message: `pgscale: ${e.healthFailure}` };
  if (e.comparison && gateFails(e.comparison.verdict, failOn)) {
    return { code: EXIT_REGRESSION, message: `pgscale verdict: ${e.comparison.verdict} — ${e.comparison.reason}` };
  }
  return { code: EXIT_OK, message: null };
}
