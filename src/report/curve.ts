// The TPS-vs-concurrency points that every chart draws: the run's Markdown chart, the comparison's
// and the A/B view's, and the terminal plot.

import type { ResultsDocument, UslFit } from '../results/types.js';
import { databaseConcurrency } from '../analyze/laws.js';
import { uslThroughput } from '../analyze/usl.js';

export interface CurvePoint {
  /** min(workers, connections): the concurrency the database sees. */
  concurrency: number;
  /** Best measured TPS among bands at this concurrency (a grid has several). */
  measured: number;
  /** Bands behind `measured`. */
  band_ids: number[];
  /** The fitted USL at this concurrency, when a fit exists. */
  usl: number | null;
}

/** The fitted USL's X(N) (analyze/usl.ts); null when the fit is missing or the value is not finite. */
export function uslAt(usl: UslFit | null | undefined, n: number): number | null {
  if (!usl || usl.lambda === null || usl.sigma === null || usl.kappa === null) return null;
  const value = uslThroughput(n, { lambda: usl.lambda, sigma: usl.sigma, kappa: usl.kappa });
  return Number.isFinite(value) ? value : null;
}

export function concurrencyOfBand(doc: ResultsDocument, bandId: number, workers: number, connections: number): number {
  const stats = doc.analysis?.band_statistics?.find((s) => s.band_id === bandId);
  return stats?.concurrency ?? databaseConcurrency(workers, connections);
}

/**
 * One point per distinct concurrency, ascending; bands that failed outright are left out. Safe on a
 * damaged or missing document (a baseline read from elsewhere): it then has fewer points, or none.
 */
export function curvePoints(doc: ResultsDocument | null): CurvePoint[] {
  if (!doc || !Array.isArray(doc.bands)) return [];
  const byConcurrency = new Map<number, CurvePoint>();
  const usl = doc.analysis?.curve_fitting?.usl ?? null;
  for (const band of doc.bands) {
    if (!band || typeof band !== 'object' || band.status === 'failed' || !Number.isFinite(band.total_tps)) continue;
    const n = concurrencyOfBand(doc, band.band_id, band.workers, band.connections);
    if (!Number.isFinite(n)) continue;
    const point = byConcurrency.get(n);
    if (!point) {
      byConcurrency.set(n, { concurrency: n, measured: band.total_tps, band_ids: [band.band_id], usl: uslAt(usl, n) });
    } else {
      point.band_ids.push(band.band_id);
      point.measured = Math.max(point.measured, band.total_tps);
    }
  }
  return [...byConcurrency.values()].sort((a, b) => a.concurrency - b.concurrency);
}
