// The optimal configuration: the smallest band whose TPS is not significantly below the best TPS
// that meets the SLO.

import type { AnalysisSettings, SloConfig } from '../config/types.js';
import type { OptimalConfig } from '../results/types.js';
import type { BandSummary } from './bands.js';
import { differencePValue, tpsDifference, type GainDetail } from './marginal.js';
import { isFiniteNumber, tCritical } from './stats.js';
import { fmt, fmtSig, pct } from './format.js';

export interface OptimumResult {
  optimal: OptimalConfig | null;
  reason: string | null;
  /** The band with the highest TPS among those meeting the SLO (the reference), when any. */
  reference: BandSummary | null;
}

function sloFailure(s: BandSummary, slo: SloConfig): string | null {
  if (slo.p95_latency_ms !== null && slo.p95_latency_ms !== undefined) {
    const p95 = s.stats.latency_p95_ms;
    if (p95 === null) return 'p95 latency unknown';
    if (p95 > slo.p95_latency_ms) return `p95 ${fmtSig(p95, 3)} ms > ${fmtSig(slo.p95_latency_ms, 3)} ms`;
  }
  if (slo.error_rate !== null && slo.error_rate !== undefined) {
    const er = s.band.error_rate;
    if (!isFiniteNumber(er)) return 'error rate unknown';
    if (er > slo.error_rate) return `error rate ${pct(er)} > ${pct(slo.error_rate)}`;
  }
  return null;
}

export function describeObjective(slo: SloConfig, settings: AnalysisSettings): string {
  const parts: string[] = [];
  if (slo.p95_latency_ms !== null && slo.p95_latency_ms !== undefined)
    parts.push(`p95 ≤ ${fmtSig(slo.p95_latency_ms, 3)} ms`);
  if (slo.error_rate !== null && slo.error_rate !== undefined) parts.push(`error rate ≤ ${pct(slo.error_rate)}`);
  return (
    'The smallest band (fewest connections, then fewest workers) ' +
    'whose TPS is not significantly below the highest TPS ' +
    (`among bands meeting the SLO (${parts.length ? parts.join(', ') : 'none configured'}), ` +
      `tested at ${pct(settings.confidence)} confidence `) +
    `on the batch-means standard errors, and within ${pct(settings.saturation_tolerance)} of that TPS ` +
    `(so that noisy bands, which no test can separate, never make a far slower band the optimum).`
  );
}

/** Is `band` statistically indistinguishable from (or above) `reference`? */
function notSignificantlyBelow(
  band: BandSummary,
  reference: BandSummary,
  settings: AnalysisSettings,
): { ok: boolean; p: number | null } {
  if (band === reference) return { ok: true, p: null };
  const withinTolerance =
    (band.stats.tps.value as number) >= (1 - settings.saturation_tolerance) * (reference.stats.tps.value as number);
  const d = tpsDifference(reference, band);
  if (d.se === null || d.df === null) return { ok: withinTolerance, p: null };
  return {
    ok: withinTolerance && d.diff + tCritical(settings.confidence, d.df) * d.se >= 0,
    p: differencePValue(d.diff, d.se, d.df),
  };
}

const UNIT: Record<string, string> = {
  workers: 'worker',
  connections: 'connection',
  concurrency: 'unit of concurrency',
};

export function findOptimum(
  summaries: BandSummary[],
  gains: GainDetail[],
  slo: SloConfig,
  settings: AnalysisSettings,
): OptimumResult {
  const positive = summaries.filter((s) => s.usable && (s.stats.tps.value as number) > 0);
  if (positive.length === 0) {
    return { optimal: null, reason: 'no band completed with a positive TPS', reference: null };
  }
  // A degraded band (too many failed transactions, nothing committed, or an outage) is no pool
  // size to recommend, however fast its survivors were.
  const candidates = positive.filter((s) => !s.band.degraded);
  if (candidates.length === 0) {
    return {
      optimal: null,
      reason: `every band with a positive TPS is degraded (band${positive.length === 1 ? '' : 's'} ${positive
        .map((s) => s.stats.band_id)
        .join(', ')}): no configuration to recommend`,
      reference: null,
    };
  }
  const failures = candidates.map((s) => ({ s, why: sloFailure(s, slo) }));
  const compliant = failures.filter((f) => f.why === null).map((f) => f.s);
  if (compliant.length === 0) {
    const detail = failures
      .slice(0, 5)
      .map((f) => `band ${f.s.stats.band_id}: ${f.why}`)
      .join('; ');
    return {
      optimal: null,
      reason: `no band meets the SLO (${detail}${failures.length > 5 ? '; …' : ''})`,
      reference: null,
    };
  }
  const best = (list: BandSummary[]) =>
    list.reduce((a, b) => ((b.stats.tps.value as number) > (a.stats.tps.value as number) ? b : a));
  const reference = best(compliant);
  const peak = best(candidates);
  const qualifying = compliant
    .map((s) => ({ s, test: notSignificantlyBelow(s, reference, settings) }))
    .filter((q) => q.test.ok)
    .sort(
      (a, b) =>
        a.s.stats.connections - b.s.stats.connections ||
        a.s.stats.workers - b.s.stats.workers ||
        a.s.stats.band_id - b.s.stats.band_id,
    );
  const chosen = qualifying[0] as { s: BandSummary; test: { ok: boolean; p: number | null } };
  const o = chosen.s;
  const tps = o.stats.tps.value as number;
  const peakTps = peak.stats.tps.value as number;
  const refTps = reference.stats.tps.value as number;
  const p95 = o.stats.latency_p95_ms;

  const atP95 = p95 !== null ? ` at p95 ${fmtSig(p95, 3)} ms` : '';
  let reasoning =
    o === peak
      ? `${o.stats.workers} workers / ${o.stats.connections} connections ` +
        `give the highest TPS measured (${fmt(tps)})${atP95}`
      : `${o.stats.workers} workers / ${o.stats.connections} connections reach ` +
        `${pct(tps / peakTps)} of peak TPS (${fmt(tps)} vs ${fmt(peakTps)})${atP95}`;
  if (reference !== peak) {
    reasoning +=
      `; the peak band ${peak.stats.band_id} misses the SLO (${sloFailure(peak, slo)}), ` +
      `so the reference is band ${reference.stats.band_id} at ${fmt(refTps)} TPS`;
  }
  if (o !== reference) {
    reasoning +=
      chosen.test.p !== null
        ? `; the gap to band ${reference.stats.band_id} is not significant (p = ${fmt(chosen.test.p, 2)})`
        : `; within ${pct(settings.saturation_tolerance)} of band ` +
          `${reference.stats.band_id} (no per-second series to test the gap)`;
  }
  if (o.stats.client_bound || reference.stats.client_bound) {
    const cb = [o, reference]
      .filter((s, i, a) => s.stats.client_bound && a.indexOf(s) === i)
      .map((s) => s.stats.band_id);
    reasoning +=
      `; band ${cb.join(' and ')} was client-bound: the load generator, not ` +
      `PostgreSQL, set its TPS, so the database's real optimum may lie higher`;
  }
  const beyond = gains.filter((g) => g.result.from_band === o.stats.band_id && g.result.gain.value !== null);
  if (beyond.length > 0) {
    const phrases = beyond.slice(0, 3).map((g) => {
      const v = g.result.gain.value as number;
      const unit = UNIT[g.result.axis] ?? 'unit';
      const iv = g.result.gain.interval;
      return iv
        ? `each extra ${unit} adds ${fmtSig(v, 2)} TPS (${pct(iv.level)} ` +
            `CI ${fmtSig(iv.low, 2)} to ${fmtSig(iv.high, 2)})`
        : `each extra ${unit} adds ${fmtSig(v, 2)} TPS`;
    });
    reasoning += `; beyond it ${phrases.join(', and ')}.`;
  } else {
    reasoning += '; it is the largest configuration tested along its lines.';
  }
  return {
    optimal: {
      band_id: o.stats.band_id,
      workers: o.stats.workers,
      connections: o.stats.connections,
      tps,
      p95_latency_ms: p95,
      fraction_of_peak: tps / peakTps,
      objective: describeObjective(slo, settings),
      reasoning,
      slo_met: true,
    },
    reason: null,
    reference,
  };
}
