// endingOf: the one rule the CLI's exit code and the action's failed step come from.
import { describe, expect, it } from 'vitest';
import { endingOf, type RunEnding } from '../../../src/app/gate.js';
import { noBaseline } from '../../../src/compare/index.js';
import type { Comparison } from '../../../src/results/comparison-types.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_REGRESSION } from '../../../src/errors.js';

const clean: RunEnding = {
  what: 'run',
  interrupted: false,
  failure: null,
  partial: false,
  partialReason: null,
  healthFailure: null,
  comparison: null,
};
const verdict = (v: Comparison['verdict']): Comparison => ({ ...noBaseline('x'), verdict: v, reason: `because ${v}` });

describe('endingOf', () => {
  it('passes a clean run, and any verdict under fail-on never', () => {
    expect(endingOf(clean, 'regression')).toEqual({ code: EXIT_OK, message: null });
    expect(endingOf({ ...clean, comparison: verdict('fail') }, 'never')).toEqual({ code: EXIT_OK, message: null });
  });

  it('fails the gate on fail; on inconclusive and no-baseline only under fail-on inconclusive', () => {
    expect(endingOf({ ...clean, comparison: verdict('fail') }, 'regression')).toEqual({
      code: EXIT_REGRESSION,
      message: 'pgscale verdict: fail — because fail',
    });
    for (const v of ['inconclusive', 'no-baseline'] as const) {
      expect(endingOf({ ...clean, comparison: verdict(v) }, 'regression').code, v).toBe(EXIT_OK);
      expect(endingOf({ ...clean, comparison: verdict(v) }, 'inconclusive').code, v).toBe(EXIT_REGRESSION);
    }
    expect(endingOf({ ...clean, comparison: verdict('pass') }, 'inconclusive').code).toBe(EXIT_OK);
  });

  it('puts an interruption first, then an early stop, a partial run, a failed run, and the gate last', () => {
    const all: RunEnding = {
      what: 'A/B run',
      interrupted: true,
      failure: new Error('band 3 could not open 4 connections'),
      partial: true,
      partialReason: 'stopped',
      healthFailure: 'The run failed: every band is degraded.',
      comparison: verdict('fail'),
    };
    expect(endingOf(all, 'regression')).toEqual({
      code: EXIT_INTERRUPTED,
      message: 'pgscale was interrupted; partial results were written',
    });
    const stopped = { ...all, interrupted: false };
    expect(endingOf(stopped, 'regression')).toEqual({
      code: EXIT_FAILURE,
      message: 'pgscale A/B run stopped early: band 3 could not open 4 connections',
    });
    expect(endingOf({ ...stopped, failure: null }, 'regression')).toEqual({
      code: EXIT_FAILURE,
      message: 'pgscale A/B run is partial: stopped',
    });
    expect(endingOf({ ...stopped, failure: null, partial: false }, 'never')).toEqual({
      code: EXIT_FAILURE,
      message: 'pgscale: The run failed: every band is degraded.',
    });
  });
});
