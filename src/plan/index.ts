// Turns the progressive config into the ordered list of bands, and fingerprints the plan so that
// two runs are only compared when they measured the same thing.
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import type { BandPlan, PlanSettings } from './types.js';
import { axisValues, pairValues, type AxisRange } from './strategies.js';
import { planProblem } from './validate.js';

export { axisValues, countBands, exponentialValues, fibonacciValues, linearValues, pairValues } from './strategies.js';
export { MAX_PLAN_BANDS, planProblem, type PlanProblem, type PlanRanges } from './validate.js';

/**
 * The bands of a progressive config, numbered from 1. A config with `enabled: false` plans ONE
 * band at (max_workers, max_connections): a plain fixed-size benchmark. The CLI's --progressive
 * flag sets `enabled` to true before calling this.
 */
export function planBands(p: PlanSettings): BandPlan {
  const workers: AxisRange = { min: p.min_workers, max: p.max_workers, step: p.step_workers };
  const connections: AxisRange = { min: p.min_connections, max: p.max_connections, step: p.step_connections };
  const problem = planProblem({ enabled: p.enabled, strategy: p.strategy, workers, connections });
  if (problem) throw new UserError(`progressive${problem.key ? `.${problem.key}` : ''}: ${problem.message}`);
  const pairs: Array<[number, number]> = p.enabled
    ? pairValues(p.strategy, axisValues(p.strategy, workers), axisValues(p.strategy, connections))
    : [[p.max_workers, p.max_connections]];
  const bands = pairs.map(([w, c], i) => ({ band_id: i + 1, workers: w, connections: c }));
  const perBand = p.warmup_time_s + p.band_duration_s + p.cooldown_time_s;
  return {
    strategy: p.strategy,
    bands,
    band_duration_s: p.band_duration_s,
    warmup_time_s: p.warmup_time_s,
    cooldown_time_s: p.cooldown_time_s,
    estimated_duration_s: Math.round(bands.length * perBand * 1e9) / 1e9,
    rate: p.rate,
    pipeline: p.pipeline,
    max_error_rate: p.max_error_rate,
  };
}

/** JSON with object keys sorted at every level, so equal values always serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of what makes two runs comparable: the bands' (workers, connections) in order,
 * the three durations, the workload name and the scale. The strategy itself is left out: two
 * strategies that produce the same bands measure the same thing.
 */
export function planFingerprint(plan: BandPlan, workload: string, scale: number): string {
  const identity = {
    bands: plan.bands.map((b) => ({ workers: b.workers, connections: b.connections })),
    band_duration_s: plan.band_duration_s,
    warmup_time_s: plan.warmup_time_s,
    cooldown_time_s: plan.cooldown_time_s,
    workload,
    scale,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
