// Marginal gains: discrete derivatives of TPS along each line of the band plan, with intervals.

import type { Strategy, Axis, Estimate, MarginalGain } from '../results/types.js';
import type { BandSummary } from './bands.js';
import { combineErrors, tCritical, twoSidedPValue } from './stats.js';

/** Bands along one axis with the other coordinate held fixed, ordered by the axis value. */
export interface Line {
  axis: Axis;
  fixed: number | null;
  points: BandSummary[];
  values: number[];
}

/** A gain with the error terms later stages need. */
export interface GainDetail {
  line: Line;
  /** Index of the step's first band within line.points. */
  index: number;
  result: MarginalGain;
  /** TPS difference (to − from). */
  diff: number;
  /** Standard error of diff, and its Welch–Satterthwaite df; null without per-second series. */
  diff_se: number | null;
  diff_df: number | null;
}

function axisValue(s: BandSummary, axis: Axis): number {
  if (axis === 'workers') return s.stats.workers;
  if (axis === 'connections') return s.stats.connections;
  return s.stats.concurrency;
}

function lineFrom(axis: Axis, fixed: number | null, members: BandSummary[]): Line | null {
  const sorted = [...members].sort(
    (a, b) =>
      axisValue(a, axis) - axisValue(b, axis) ||
      a.stats.workers - b.stats.workers ||
      a.stats.connections - b.stats.connections ||
      a.stats.band_id - b.stats.band_id,
  );
  // A repeated axis value (a repeated band, or several bands at one concurrency) keeps its first
  // band; the others are reached along the workers/connections lines instead.
  const points: BandSummary[] = [];
  for (const s of sorted) {
    const last = points[points.length - 1];
    if (last === undefined || axisValue(last, axis) !== axisValue(s, axis)) points.push(s);
  }
  if (points.length < 2) return null;
  return { axis, fixed, points, values: points.map((p) => axisValue(p, axis)) };
}

function groupBy(items: BandSummary[], key: (s: BandSummary) => number): Map<number, BandSummary[]> {
  const groups = new Map<number, BandSummary[]>();
  for (const s of items) {
    const k = key(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * The lines of a plan. A grid (linear strategy) is read along workers at fixed connections and along
 * connections at fixed workers. Diagonal plans (exponential, fibonacci), where both move together, are
 * also read along concurrency = min(workers, connections); where one sequence stops early the
 * remaining bands lie on a workers or connections line.
 */
export function buildLines(summaries: BandSummary[], strategy: Strategy): Line[] {
  const usable = summaries.filter((s) => s.usable);
  const lines: Line[] = [];
  for (const [c, members] of groupBy(usable, (s) => s.stats.connections)) {
    const line = lineFrom('workers', c, members);
    if (line) lines.push(line);
  }
  for (const [w, members] of groupBy(usable, (s) => s.stats.workers)) {
    const line = lineFrom('connections', w, members);
    if (line) lines.push(line);
  }
  if (strategy !== 'linear' || lines.length === 0) {
    const line = lineFrom('concurrency', null, usable);
    if (line) lines.push(line);
  }
  return lines;
}

function estimate(value: number, se: number | null, df: number | null, level: number, reason: string | null): Estimate {
  if (se === null || df === null) return { value, interval: null, reason };
  const half = tCritical(level, df) * se;
  return { value, interval: { low: value - half, high: value + half, level }, reason: null };
}

/** TPS difference between two bands with its combined standard error. */
export function tpsDifference(
  from: BandSummary,
  to: BandSummary,
): { diff: number; se: number | null; df: number | null } {
  const diff = (to.stats.tps.value as number) - (from.stats.tps.value as number);
  if (from.tps_error === null || to.tps_error === null) return { diff, se: null, df: null };
  const c = combineErrors([
    { coefficient: 1, se: from.tps_error.se, df: from.tps_error.df },
    { coefficient: 1, se: to.tps_error.se, df: to.tps_error.df },
  ]);
  return { diff, se: c.se, df: c.df };
}

/**
 * Two-sided p-value of a TPS difference; null without standard errors. An exact (zero-noise) difference gives 0 or 1.
 */
export function differencePValue(diff: number, se: number | null, df: number | null): number | null {
  if (se === null || df === null) return null;
  if (se === 0) return diff === 0 ? 1 : 0;
  return twoSidedPValue(diff / se, df);
}

const UNIT: Record<Axis, string> = { workers: 'worker', connections: 'connection', concurrency: 'unit of concurrency' };

export function computeMarginalGains(lines: Line[], level: number): GainDetail[] {
  const out: GainDetail[] = [];
  for (const line of lines) {
    const first = line.points[0] as BandSummary;
    const firstX = line.values[0] as number;
    const firstTps = first.stats.tps.value as number;
    const unitThroughput = firstX > 0 && firstTps > 0 ? firstTps / firstX : null;
    for (let i = 0; i + 1 < line.points.length; i++) {
      const from = line.points[i] as BandSummary;
      const to = line.points[i + 1] as BandSummary;
      const dx = (line.values[i + 1] as number) - (line.values[i] as number);
      const d = tpsDifference(from, to);
      const se = d.se === null ? null : d.se / dx;
      const noSeries = 'no interval: a band on this step lacks a per-second series long enough for batch means';
      const gain = estimate(d.diff / dx, se, d.df, level, noSeries);
      let normalized: Estimate;
      if (unitThroughput === null) {
        normalized = {
          value: null,
          interval: null,
          reason:
            `first band on this line (band ${first.stats.band_id}) has zero TPS or axis ` +
            `value, so there is no per-${UNIT[line.axis]} throughput to normalise by`,
        };
      } else {
        normalized = {
          value: d.diff / dx / unitThroughput,
          interval: gain.interval
            ? { low: gain.interval.low / unitThroughput, high: gain.interval.high / unitThroughput, level }
            : null,
          reason: gain.interval ? null : noSeries,
        };
      }
      const significant = gain.interval !== null && (gain.interval.low > 0 || gain.interval.high < 0);
      out.push({
        line,
        index: i,
        diff: d.diff,
        diff_se: d.se,
        diff_df: d.df,
        result: {
          axis: line.axis,
          fixed: line.fixed,
          from_band: from.stats.band_id,
          to_band: to.stats.band_id,
          from_value: line.values[i] as number,
          to_value: line.values[i + 1] as number,
          gain,
          normalized_gain: normalized,
          significant,
        },
      });
    }
  }
  return out;
}
