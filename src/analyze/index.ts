// The analysis stage: a results document in, `analysis` and `optimal_config` out. Pure and deterministic.

import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings, type SloConfig } from '../config/types.js';
import type { BandResult, ResultsDocument, Analysis, CurveFitting, OptimalConfig } from '../results/types.js';
import { summarizeBand, type BandSummary } from './bands.js';
import { buildLines, computeMarginalGains } from './marginal.js';
import { findInflections } from './inflection.js';
import { analyzeQueueing } from './queueing.js';
import { labelRegions, sameConcurrency } from './regions.js';
import { fmtSig } from './format.js';
import { findOptimum } from './optimum.js';
import { buildRecommendations } from './recommendations.js';
import { emptyUslFit, fitCurves, type FitPoint } from './fit.js';

export { erlangC } from './queueing.js';
export { studentTQuantile, batchMeans } from './stats.js';

export { DEFAULT_ANALYSIS_SETTINGS };

/** Replace out-of-range settings by the defaults, saying which. */
function checkedSettings(s: AnalysisSettings, warnings: string[]): AnalysisSettings {
  const out = { ...DEFAULT_ANALYSIS_SETTINGS, ...s };
  const bad = (key: keyof AnalysisSettings, ok: boolean) => {
    if (!ok) {
      warnings.push(`analysis.${key} = ${String(s[key])} is out of range; used ${DEFAULT_ANALYSIS_SETTINGS[key]}`);
      (out as Record<string, number>)[key] = DEFAULT_ANALYSIS_SETTINGS[key];
    }
  };
  bad('confidence', out.confidence > 0 && out.confidence < 1);
  bad('batches', Number.isFinite(out.batches) && out.batches >= 2);
  bad('linear_min_efficiency', Number.isFinite(out.linear_min_efficiency) && out.linear_min_efficiency > 0);
  bad(
    'saturation_tolerance',
    Number.isFinite(out.saturation_tolerance) && out.saturation_tolerance >= 0 && out.saturation_tolerance < 1,
  );
  return out;
}

export function buildFitPoints(summaries: BandSummary[]): FitPoint[] {
  return summaries.map((s) => {
    const b = s.band;
    const tps = s.stats.tps.value;
    let excluded: string | null = null;
    if (b.status === 'failed') excluded = 'band failed';
    else if (tps === null) excluded = 'TPS missing';
    else if (!(tps > 0)) excluded = 'zero TPS';
    else if (s.stats.client_bound) excluded = 'client-bound: the load generator, not the database, was the limit';
    return {
      band_id: b.band_id,
      concurrency: s.stats.concurrency,
      tps: tps ?? 0,
      tps_series: Array.isArray(b.tps_series) ? b.tps_series.filter((v) => Number.isFinite(v)) : [],
      excluded_reason: excluded,
    };
  });
}

function emptyFitting(reason: string, points: FitPoint[]): CurveFitting {
  return {
    axis: 'concurrency',
    points_used: 0,
    excluded: points
      .filter((p) => p.excluded_reason !== null)
      .map((p) => ({ band_id: p.band_id, reason: p.excluded_reason as string })),
    models: [],
    best_model: null,
    best_model_reason: reason,
    usl: emptyUslFit(reason),
    predictions: [],
  };
}

/**
 * Last line of defence for the "never NaN or Infinity" rule: any non-finite number left anywhere is
 * replaced by null and reported, so a bug shows up as a warning rather than as invalid JSON.
 */
function scrubNonFinite<T>(value: T, path: string, warnings: string[]): T {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    warnings.push(`internal: non-finite value at ${path} replaced by null`);
    return null as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => scrubNonFinite(v, `${path}[${i}]`, warnings)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubNonFinite(v, `${path}.${k}`, warnings);
    return out as T;
  }
  return value;
}

/** A per-second series that does not add up to the band's transaction count makes its intervals suspect. */
const SERIES_MISMATCH = 0.05;

export function seriesConsistencyWarnings(bands: BandResult[]): string[] {
  const out: string[] = [];
  for (const b of bands) {
    const series = Array.isArray(b.tps_series) ? b.tps_series.filter((v) => Number.isFinite(v)) : [];
    if (series.length < 2 || !(b.duration_s > 0) || !(b.total_tps > 0)) continue;
    const seriesMean = series.reduce((s, v) => s + v, 0) / series.length;
    const gap = Math.abs(seriesMean - b.total_tps) / b.total_tps;
    if (gap > SERIES_MISMATCH) {
      out.push(
        `band ${b.band_id}: its per-second series (${series.length} samples over a ` +
          `${fmtSig(b.duration_s, 3)} s window, mean ${fmtSig(seriesMean, 4)} TPS) ` +
          (`differs from the band's TPS (${fmtSig(b.total_tps, 4)}) by ${fmtSig(gap * 100, 2)}%: the series is ` +
            `incomplete or misaligned, so the band's interval and the bootstrap rest on it only approximately`),
      );
    }
  }
  return out;
}

export function analyzeResults(
  doc: ResultsDocument,
  settingsIn: AnalysisSettings,
  slo: SloConfig,
): { analysis: Analysis; optimal_config: OptimalConfig | null } {
  const warnings: string[] = [];
  const settings = checkedSettings(settingsIn, warnings);
  const level = settings.confidence;
  const bands = [...(doc.bands ?? [])].sort((a, b) => a.band_id - b.band_id);
  const summaries = bands.map((b) => summarizeBand(b, settings));

  for (const s of summaries) {
    if (!s.usable)
      warnings.push(`band ${s.stats.band_id} left out of gains, regions and the optimum: ${s.unusable_reason}`);
  }
  if (bands.length === 0) warnings.push('no bands to analyse');
  else if (summaries.filter((s) => s.usable).length < 2)
    warnings.push('fewer than two usable bands: no marginal gains, regions or inflections');
  const noSeries = summaries.filter((s) => s.usable && s.tps_error === null).map((s) => s.stats.band_id);
  if (noSeries.length > 0) {
    warnings.push(
      `band(s) ${noSeries.join(', ')} have no per-second series long enough for batch ` +
        'means: their TPS has no interval, and comparisons involving them are untested',
    );
  }
  if (doc.partial)
    warnings.push(
      `partial run${doc.partial_reason ? ` (${doc.partial_reason})` : ''}: ` +
        'the analysis covers the bands measured before it stopped',
    );

  const lines = buildLines(summaries, doc.strategy);
  const gains = computeMarginalGains(lines, level);
  const inflections = findInflections(lines, level);
  if (inflections.untested > 0)
    warnings.push(
      `${inflections.untested} line(s) had no standard errors, so ` +
        'their second differences were not tested for inflections',
    );

  for (const g of gains) {
    if (!g.result.significant || !sameConcurrency(g)) continue;
    const from = g.line.points[g.index] as BandSummary;
    warnings.push(
      `bands ${g.result.from_band} and ${g.result.to_band} give the database the ` +
        `same concurrency (min(workers, connections) = ${from.stats.concurrency}) ` +
        (`yet differ significantly in TPS (${fmtSig(g.diff, 3)}): that difference comes from the client side ` +
          `(pool queueing, the event loop) or from other load on the server, not from PostgreSQL's scaling`),
    );
  }
  warnings.push(...seriesConsistencyWarnings(bands));

  const fitPoints = buildFitPoints(summaries);
  let curveFitting: CurveFitting;
  try {
    curveFitting = fitCurves(fitPoints, settings);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    warnings.push(`curve fitting failed: ${message}`);
    curveFitting = emptyFitting(`curve fitting failed: ${message}`, fitPoints);
  }

  const queueing = analyzeQueueing(bands);
  const { band_regions, regions } = labelRegions(summaries, lines, gains, doc.strategy, settings);
  const optimum = findOptimum(summaries, gains, slo, settings);
  const recommendations = buildRecommendations({
    summaries,
    gains,
    regions: band_regions,
    queueing,
    optimum,
    environment: doc.environment ?? null,
    settings,
  });

  const analysis: Analysis = {
    band_statistics: summaries.map((s) => s.stats),
    marginal_gains: gains.map((g) => g.result),
    inflection_points: inflections.points,
    curve_fitting: curveFitting,
    queueing_theory: queueing,
    band_regions,
    regions,
    recommendations,
    optimal_reason: optimum.reason,
    warnings,
  };
  const scrubWarnings: string[] = [];
  const result = scrubNonFinite({ analysis, optimal_config: optimum.optimal }, '$', scrubWarnings);
  result.analysis.warnings.push(...scrubWarnings);
  return result;
}
