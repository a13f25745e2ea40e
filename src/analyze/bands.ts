// Per-band statistics: latency shape, honest intervals for mean TPS and mean latency, efficiency.

import type { AnalysisSettings } from '../config/types.js';
import type { BandResult, BandStatistics, Estimate } from '../results/types.js';
import { batchMeans, isFiniteNumber, tCritical, type MeanEstimate } from './stats.js';
import { attemptedThroughput, databaseConcurrency } from './laws.js';
import { bandUtilisation } from './queueing.js';

/** A band's statistics plus what later stages need (the TPS mean's standard error). */
export interface BandSummary {
  band: BandResult;
  stats: BandStatistics;
  /** Mean TPS (the band's total_tps) with its batch-means standard error; null when the series is too short. */
  tps_error: MeanEstimate | null;
  /** False for failed bands or a missing TPS: they take no part in gains, regions or the optimum. */
  usable: boolean;
  unusable_reason: string | null;
}

function nullEstimate(reason: string): Estimate {
  return { value: null, interval: null, reason };
}

function finiteOrNull(v: number | null | undefined): number | null {
  return isFiniteNumber(v) ? v : null;
}

export function summarizeBand(band: BandResult, settings: AnalysisSettings): BandSummary {
  const level = settings.confidence;
  const concurrency = databaseConcurrency(band.workers, band.connections);
  const tpsValue = finiteOrNull(band.total_tps);
  const series = Array.isArray(band.tps_series) ? band.tps_series : [];
  const bm = batchMeans(series, settings.batches);

  let tps: Estimate;
  let tpsError: MeanEstimate | null = null;
  if (tpsValue === null) {
    tps = nullEstimate('total_tps is missing');
  } else if (bm.estimate === null) {
    tps = { value: tpsValue, interval: null, reason: `no interval: ${bm.reason}` };
  } else {
    // The headline TPS is transactions / window; the batch means only supply its standard error,
    // so the interval is centred on the same number the band table shows.
    tpsError = { mean: tpsValue, se: bm.estimate.se, df: bm.estimate.df };
    const half = tCritical(level, bm.estimate.df) * bm.estimate.se;
    tps = { value: tpsValue, interval: { low: tpsValue - half, high: tpsValue + half, level }, reason: null };
  }

  const lat = band.latency;
  const mean = finiteOrNull(lat?.mean_ms);
  const sd = finiteOrNull(lat?.stddev_ms);
  let latencyMean: Estimate;
  if (mean === null) {
    latencyMean = nullEstimate('latency mean is missing');
  } else {
    latencyMean = latencyMeanEstimate(band, mean, bm.batch_means, level);
  }

  const workers = band.workers;
  const connections = band.connections;
  // Clipped to [0, 1]: transactions straddling the window edges can push X·S/C a hair above 1.
  const utilization = bandUtilisation(band).value;

  const stats: BandStatistics = {
    band_id: band.band_id,
    workers,
    connections,
    concurrency,
    tps,
    latency_mean_ms: latencyMean,
    latency_p50_ms: finiteOrNull(lat?.p50_ms),
    latency_p95_ms: finiteOrNull(lat?.p95_ms),
    latency_p99_ms: finiteOrNull(lat?.p99_ms),
    latency_stddev_ms: sd,
    latency_variance_ms2: sd === null ? null : sd * sd,
    latency_cv: sd !== null && mean !== null && mean > 0 ? sd / mean : null,
    tps_per_worker: tpsValue !== null && workers > 0 ? tpsValue / workers : null,
    tps_per_connection: tpsValue !== null && connections > 0 ? tpsValue / connections : null,
    connection_utilization: utilization,
    client_bound: band.client?.client_bound === true,
  };

  let unusable: string | null = null;
  if (band.status === 'failed') unusable = 'band failed';
  else if (tpsValue === null) unusable = 'TPS missing';
  return { band, stats, tps_error: tpsError, usable: unusable === null, unusable_reason: unusable };
}

/**
 * Interval for mean latency.
 *
 * We only have the per-second TPS series and the band's overall latency summary, not per-second
 * latency. In a closed loop with W workers and no think time, Little's law makes the mean response
 * time in any stretch of the run W / X over that stretch, so each batch's mean latency is
 * R̄ · X̄ / X_b (the band mean scaled by the inverse of the batch's throughput). Batch means over those
 * values inherit the batching's protection against autocorrelation, which a stddev/√count interval
 * over hundreds of thousands of correlated transactions would not have (it would be absurdly narrow).
 * Little's law does not fix the latency in open-loop (rate) mode, so there the interval is withheld.
 */
function latencyMeanEstimate(band: BandResult, mean: number, tpsBatchMeans: number[], level: number): Estimate {
  if (band.rate !== null && band.rate !== undefined) {
    return {
      value: mean,
      interval: null,
      reason: "open-loop (rate) band: Little's law does not tie latency to throughput, so no batch interval",
    };
  }
  if (tpsBatchMeans.length < 2) {
    return { value: mean, interval: null, reason: 'no interval: per-second series too short for batch means' };
  }
  if (tpsBatchMeans.some((x) => !(x > 0))) {
    return {
      value: mean,
      interval: null,
      reason: 'no interval: a batch had zero throughput, so its latency is undefined',
    };
  }
  const grand = tpsBatchMeans.reduce((s, v) => s + v, 0) / tpsBatchMeans.length;
  const perBatch = tpsBatchMeans.map((x) => (mean * grand) / x);
  const k = perBatch.length;
  const m = perBatch.reduce((s, v) => s + v, 0) / k;
  const variance = perBatch.reduce((s, v) => s + (v - m) * (v - m), 0) / (k - 1);
  const half = tCritical(level, k - 1) * Math.sqrt(variance / k);
  return { value: mean, interval: { low: Math.max(0, mean - half), high: mean + half, level }, reason: null };
}
