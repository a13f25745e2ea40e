// Inflection points: scaled second differences of TPS along each line, kept only when they stand
// out from the noise.

import type { InflectionPoint, InflectionType } from '../results/types.js';
import type { BandSummary } from './bands.js';
import type { Line } from './marginal.js';
import { combineErrors, tCritical, twoSidedPValue } from './stats.js';
import { fmt } from './format.js';

const UNIT: Record<Line['axis'], string> = {
  workers: 'worker',
  connections: 'connection',
  concurrency: 'unit of concurrency',
};

export interface InflectionResult {
  points: InflectionPoint[];
  /** Lines with three or more bands whose second differences could not be tested (no standard errors). */
  untested: number;
}

/**
 * For consecutive bands (x₁,y₁), (x₂,y₂), (x₃,y₃) on a line: g₁ = Δy/Δx over the first step, g₂ over the
 * second, and Δ² = (g₂ − g₁) / ((x₃ − x₁)/2), which estimates y″ whatever the spacing. Δ² is linear in
 * y₁, y₂, y₃ with coefficients 2/(h₁+h₂) · (1/h₁, −(1/h₁+1/h₂), 1/h₂), so its standard error follows from
 * the three bands' batch-means errors (independent bands), with Welch–Satterthwaite df.
 * A point is flagged when its two-sided t test (|Δ²|/SE on those df) stays significant at 1 − confidence
 * after Holm's correction across all triples tested.
 */
export function findInflections(lines: Line[], level: number): InflectionResult {
  interface Candidate {
    point: Omit<InflectionPoint, 'explanation'>;
    p: number;
    describe: (note: string) => string;
  }
  const candidates: Candidate[] = [];
  let untested = 0;
  for (const line of lines) {
    if (line.points.length < 3) continue;
    let lineUntested = false;
    for (let i = 0; i + 2 < line.points.length; i++) {
      const b = [line.points[i], line.points[i + 1], line.points[i + 2]] as [BandSummary, BandSummary, BandSummary];
      const x = [line.values[i], line.values[i + 1], line.values[i + 2]] as [number, number, number];
      const y = b.map((s) => s.stats.tps.value as number) as [number, number, number];
      const h1 = x[1] - x[0];
      const h2 = x[2] - x[1];
      const g1 = (y[1] - y[0]) / h1;
      const g2 = (y[2] - y[1]) / h2;
      const scale = 2 / (h1 + h2);
      const d2 = (g2 - g1) * scale;
      const errs = b.map((s) => s.tps_error);
      if (errs.some((e) => e === null)) {
        lineUntested = true;
        continue;
      }
      const coeffs = [scale / h1, -scale * (1 / h1 + 1 / h2), scale / h2];
      const comb = combineErrors(errs.map((e, k) => ({ coefficient: coeffs[k] as number, se: e!.se, df: e!.df })));
      // A constant (zero-noise) series would make the ratio infinite; a tiny floor relative to the
      // TPS scale keeps z finite while still flagging any real change.
      const floor = 1e-9 * Math.max(1, Math.abs(y[0]), Math.abs(y[1]), Math.abs(y[2])) * scale;
      const se = Math.max(comb.se, floor);
      const z = Math.abs(d2) / se;
      // A "peak" or "collapse" needs the throughput to really fall after the band, not a noise-level dip.
      const fall = combineErrors([
        { coefficient: 1 / h2, se: errs[1]!.se, df: errs[1]!.df },
        { coefficient: 1 / h2, se: errs[2]!.se, df: errs[2]!.df },
      ]);
      const fallsAfter = g2 + tCritical(level, fall.df) * fall.se < 0;
      const type = classify(g1, g2, d2, fallsAfter);
      const mid = b[1];
      const unit = UNIT[line.axis];
      const where = `band ${mid.stats.band_id} (${mid.stats.workers} workers / ${mid.stats.connections} connections)`;
      const along =
        line.fixed === null
          ? `along ${line.axis}`
          : `along ${line.axis} at ${line.fixed} ${line.axis === 'workers' ? 'connections' : 'workers'}`;
      const meaning: Record<InflectionType, string> = {
        acceleration: 'throughput growth speeds up here',
        deceleration: 'throughput growth slows here',
        peak: 'throughput peaks here and falls beyond it',
        collapse: 'the decline in throughput steepens here',
      };
      candidates.push({
        point: {
          axis: line.axis,
          fixed: line.fixed,
          band_id: mid.stats.band_id,
          type,
          second_difference: d2,
          z_score: z,
        },
        p: twoSidedPValue(z, comb.df),
        describe: (note) =>
          `At ${where}, ${along}, the marginal gain changes from ${fmt(g1, 2)} to ${fmt(g2, 2)} TPS per ${unit} ` +
          (`(second difference ${fmt(d2, 3)} TPS per ${unit}², ` +
            `${fmt(z, 1)} standard errors, ${note}): ${meaning[type]}.`),
      });
    }
    if (lineUntested) untested++;
  }
  // Holm's step-down correction over every second difference tested: a grid tests dozens of
  // triples, and at a per-test 5% some would be flagged from noise alone.
  const alpha = 1 - level;
  const m = candidates.length;
  const order = candidates
    .map((c, k) => k)
    .sort((a, b) => (candidates[a] as Candidate).p - (candidates[b] as Candidate).p || a - b);
  const flagged = new Set<number>();
  for (let rank = 0; rank < m; rank++) {
    const k = order[rank] as number;
    if ((candidates[k] as Candidate).p > alpha / (m - rank)) break;
    flagged.add(k);
  }
  const points: InflectionPoint[] = [];
  candidates.forEach((c, k) => {
    if (!flagged.has(k)) return;
    const note =
      `p ${c.p < 0.0001 ? '< 0.0001' : `= ${fmt(c.p, 4)}`}, significant ` +
      `after Holm correction over ${m} test${m === 1 ? '' : 's'}`;
    points.push({ ...c.point, explanation: c.describe(note) });
  });
  return { points, untested };
}

function classify(g1: number, g2: number, d2: number, fallsAfter: boolean): InflectionType {
  if (d2 > 0) return 'acceleration';
  if (fallsAfter && g1 > 0) return 'peak';
  if (fallsAfter) return 'collapse';
  return 'deceleration';
}
