// The one validator of what can be planned: axis ranges and the band count. The config loader
// calls it to point at the offending key's line and column; planBands calls it for plans built
// without a config file (or with --progressive turning a disabled block on).
import type { Strategy } from '../results/types.js';
import { countBands, type AxisRange } from './strategies.js';

/** More bands than this is a plan nobody meant to run. */
export const MAX_PLAN_BANDS = 10_000;

/** What planning needs to know, with how the connection bounds were given (for the messages). */
export interface PlanRanges {
  enabled: boolean;
  strategy: Strategy;
  workers: AxisRange;
  connections: AxisRange;
  /** Connection bounds that were left out and took the workers' bound instead. */
  defaulted?: { min_connections: boolean; max_connections: boolean };
}

/** Why a plan cannot be made: the progressive key at fault (null: the block as a whole) and what is wrong. */
export interface PlanProblem {
  key: 'min_workers' | 'min_connections' | 'max_connections' | null;
  message: string;
}

function shapeProblem(name: 'workers' | 'connections', r: AxisRange): PlanProblem | null {
  if (Number.isInteger(r.min) && Number.isInteger(r.max) && Number.isInteger(r.step) && r.min >= 1 && r.step >= 1)
    return null;
  return {
    key: null,
    message:
      `min_${name} (${r.min}), max_${name} (${r.max}) and step_${name} ` +
      `(${r.step}) must be integers with 1 ≤ min ≤ max and step ≥ 1`,
  };
}

function orderProblem(ranges: PlanRanges): PlanProblem | null {
  const { workers, connections } = ranges;
  if (workers.min > workers.max) {
    return { key: 'min_workers', message: `min_workers (${workers.min}) must not exceed max_workers (${workers.max})` };
  }
  if (connections.min > connections.max) {
    const minDefaulted = ranges.defaulted?.min_connections === true;
    const maxDefaulted = ranges.defaulted?.max_connections === true;
    const minName = `min_connections (${connections.min}${minDefaulted ? ', defaulted from min_workers' : ''})`;
    const maxName = `max_connections (${connections.max}${maxDefaulted ? ', defaulted from max_workers' : ''})`;
    return {
      key: minDefaulted ? 'max_connections' : 'min_connections',
      message: `${minName} must not exceed ${maxName}`,
    };
  }
  return null;
}

function countProblem(ranges: PlanRanges): PlanProblem | null {
  if (!ranges.enabled) return null;
  const count = countBands(ranges.strategy, ranges.workers, ranges.connections);
  if (count <= MAX_PLAN_BANDS) return null;
  const message =
    ranges.strategy === 'linear'
      ? `the linear strategy would plan ${count} bands (every worker value × every connection value), expected ` +
        `at most ${MAX_PLAN_BANDS}; raise step_workers/step_connections, narrow the ranges or use exponential`
      : `the ${ranges.strategy} strategy would plan ${count} bands, expected at most ${MAX_PLAN_BANDS}`;
  return { key: null, message };
}

/**
 * The first reason these ranges cannot be planned, or null: each axis must hold integers with
 * min ≥ 1 and step ≥ 1, min must not exceed max, and an enabled progressive block must plan at
 * most MAX_PLAN_BANDS bands (a disabled one plans a single band).
 */
export function planProblem(ranges: PlanRanges): PlanProblem | null {
  return (
    shapeProblem('workers', ranges.workers) ??
    shapeProblem('connections', ranges.connections) ??
    orderProblem(ranges) ??
    countProblem(ranges)
  );
}
