// Recommendations in the spec's shape. Every expected_gain is a measured TPS difference between two
// bands, and every confidence comes from the evidence: 1 − p of that difference, or the measured share
// of the evidence (wait-event share, share of bands affected) where no difference is being claimed.

import type { AnalysisSettings } from '../config/types.js';
import type { EnvironmentFacts, BandRegion, QueueingAnalysis, Recommendation } from '../results/types.js';
import type { BandSummary } from './bands.js';
import { differencePValue, tpsDifference, type GainDetail } from './marginal.js';
import type { OptimumResult } from './optimum.js';
import { fmt, pct } from './format.js';
import { studentTCdf } from './stats.js';
import { isWalWait } from './queueing.js';

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function tpsOf(s: BandSummary): number {
  return s.stats.tps.value as number;
}

/** Percent change from `from` to `to`, null when `from` has no TPS. */
function percentGain(from: BandSummary, to: BandSummary): number | null {
  const base = tpsOf(from);
  return base > 0 ? ((tpsOf(to) - base) / base) * 100 : null;
}

/** 1 − p of the TPS difference between two bands; 0 without the standard errors to test it. */
function differenceConfidence(a: BandSummary, b: BandSummary): number {
  const d = tpsDifference(a, b);
  const p = differencePValue(d.diff, d.se, d.df);
  return p === null ? 0 : clamp01(1 - p);
}

function differenceConfidenceKnown(a: BandSummary, b: BandSummary): boolean {
  return tpsDifference(a, b).se !== null;
}

/**
 * Priority from the size of the effect and the confidence behind it. One rule for every
 * recommendation, so a "high" never sits on weak evidence: high needs confidence ≥ 0.9, medium ≥ 0.6,
 * anything less is low whatever the effect. `impact` is a TPS change in percent when one is claimed;
 * for hints without a TPS figure, `important` says whether the evidence touches the peak or optimum.
 */
export function priorityFor(
  gainPercent: number | null,
  confidence: number,
  important = false,
): Recommendation['priority'] {
  const big = gainPercent !== null ? Math.abs(gainPercent) >= 10 : important;
  const some = gainPercent !== null ? Math.abs(gainPercent) >= 2 : true;
  if (confidence >= 0.9 && big) return 'high';
  if (confidence >= 0.6 && some) return 'medium';
  return 'low';
}

/**
 * Confidence that `other` is not better than `base` by more than `tolerance` (a fraction of base's TPS):
 * the one-sided t probability P(TPS_other − TPS_base < tolerance · TPS_base) on the batch-means errors.
 * This is the evidence for a "no gain beyond it" claim; a non-significant difference alone is not.
 * Null without standard errors.
 */
export function withinToleranceConfidence(base: BandSummary, other: BandSummary, tolerance: number): number | null {
  if (base === other) return 1;
  const d = tpsDifference(base, other);
  if (d.se === null || d.df === null) return null;
  const margin = tolerance * tpsOf(base) - d.diff;
  if (d.se === 0) return margin > 0 ? 1 : 0;
  return clamp01(studentTCdf(margin / d.se, d.df));
}

function label(s: BandSummary): string {
  return `${s.stats.workers} workers / ${s.stats.connections} connections (band ${s.stats.band_id})`;
}

export function buildRecommendations(input: {
  summaries: BandSummary[];
  gains: GainDetail[];
  regions: BandRegion[];
  queueing: QueueingAnalysis;
  optimum: OptimumResult;
  environment: EnvironmentFacts | null;
  settings: AnalysisSettings;
}): Recommendation[] {
  const { summaries, regions, queueing, optimum, environment } = input;
  const recs: Recommendation[] = [];
  const usable = summaries.filter((s) => s.usable && tpsOf(s) > 0);
  if (usable.length === 0) return recs;
  const byId = new Map(summaries.map((s) => [s.stats.band_id, s]));
  const peak = usable.reduce((a, b) => (tpsOf(b) > tpsOf(a) ? b : a));
  const smallest = [...usable].sort(
    (a, b) =>
      a.stats.connections - b.stats.connections ||
      a.stats.workers - b.stats.workers ||
      a.stats.band_id - b.stats.band_id,
  )[0] as BandSummary;

  // 1. Worker count: the optimum against the smallest configuration tested.
  const opt = optimum.optimal ? byId.get(optimum.optimal.band_id) : undefined;
  const tolerance = input.settings.saturation_tolerance;
  if (opt) {
    // Larger configurations than the optimum: how sure are we that none beats it by more than the tolerance?
    const larger = usable.filter(
      (s) =>
        s !== opt &&
        (s.stats.connections > opt.stats.connections || s.stats.workers > opt.stats.workers) &&
        !s.stats.client_bound,
    );
    const beyond = larger
      .map((s) => withinToleranceConfidence(opt, s, tolerance))
      .filter((c): c is number => c !== null);
    const noGainConfidence = beyond.length > 0 ? Math.min(...beyond) : null;
    const noGainText =
      larger.length === 0
        ? ' It is the largest configuration tested (without the client as the limit), so larger ones are untested.'
        : noGainConfidence === null
          ? ' Larger configurations were not tested for significance (no per-second series).'
          : ' Confidence that no larger configuration tested beats it ' +
            `by more than ${pct(tolerance)}: ${pct(noGainConfidence)}.`;
    const clientNote = opt.stats.client_bound
      ? ' This band was client-bound: the load generator set its TPS, ' +
        'so PostgreSQL may do better; confirm with more client cores.'
      : '';
    if (opt !== smallest) {
      const gain = percentGain(smallest, opt);
      const gainConfidence = differenceConfidence(smallest, opt);
      const gainText = differenceConfidenceKnown(smallest, opt)
        ? ` (${pct(gainConfidence)} confidence that the gain is real)`
        : ' (no per-second series to test the gain)';
      // Both halves of the claim must hold: better than the smallest band, and no worse than the larger ones.
      const confidence = opt.stats.client_bound ? 0 : Math.min(gainConfidence, noGainConfidence ?? gainConfidence);
      recs.push({
        type: 'configuration',
        priority: priorityFor(gain, confidence),
        category: 'workers',
        suggestion:
          `Run ${label(opt)}: ${fmt(tpsOf(opt))} TPS vs ${fmt(tpsOf(smallest))} at the smallest band ` +
          `tested${gainText}, and ${pct(tpsOf(opt) / tpsOf(peak))} of peak.${noGainText}${clientNote}`,
        expected_gain: gain,
        confidence,
      });
    } else {
      // The smallest band is already as good as any: the claim is "no gain beyond it", so the evidence is
      // how surely the larger bands stay within the tolerance of it.
      const ref = optimum.reference ?? peak;
      const confidence = opt.stats.client_bound ? 0 : (noGainConfidence ?? 0);
      const versus =
        ref === opt
          ? 'it has the highest TPS measured'
          : `it is within noise of the best (${fmt(tpsOf(opt))} vs ${fmt(tpsOf(ref))} TPS)`;
      recs.push({
        type: 'configuration',
        // An exploration hint, not a change with a measured gain: never above medium.
        priority: priorityFor(null, confidence, true) === 'high' ? 'medium' : priorityFor(null, confidence, true),
        category: 'workers',
        suggestion:
          `The smallest band tested, ${label(opt)}, is already the optimum: ` +
          `${versus}.${noGainText} Test smaller configurations to find the knee.${clientNote}`,
        expected_gain: percentGain(opt, ref),
        confidence,
      });
    }
    // Pool size: the optimum against the largest pool tested with the same workers.
    const sameWorkers = usable.filter(
      (s) => s.stats.workers === opt.stats.workers && s.stats.connections > opt.stats.connections,
    );
    if (sameWorkers.length > 0) {
      const largest = sameWorkers.reduce((a, b) => (b.stats.connections > a.stats.connections ? b : a));
      const gain = percentGain(largest, opt);
      const d = tpsDifference(largest, opt);
      const p = differencePValue(d.diff, d.se, d.df);
      const significantLoss = p !== null && p < 1 - input.settings.confidence && d.diff > 0;
      // Claim "a bigger pool costs throughput" needs a significant loss; otherwise the claim is only that
      // it buys nothing, whose evidence is how surely the bigger pool stays within the tolerance.
      const confidence = significantLoss
        ? clamp01(1 - (p as number))
        : (withinToleranceConfidence(opt, largest, tolerance) ?? 0);
      const verdict = significantLoss
        ? `so a bigger pool costs throughput (p = ${fmt(p as number, 3)})`
        : `a difference that is not significant${p !== null ? ` (p = ${fmt(p, 2)})` : ''}, ` +
          'so a bigger pool buys no measurable throughput';
      recs.push({
        type: 'configuration',
        priority: significantLoss ? priorityFor(gain, confidence) : priorityFor(null, confidence, false),
        category: 'connections',
        suggestion:
          `Size the pool at ${opt.stats.connections} connections for ${opt.stats.workers} ` +
          `workers: ${largest.stats.connections} connections gave ${fmt(tpsOf(largest))} ` +
          `TPS vs ${fmt(tpsOf(opt))}, ${verdict}, and it holds more server backends.`,
        expected_gain: significantLoss ? gain : 0,
        confidence,
      });
    }
  }

  // 2. Pool-bound bands: connections too few for the workers.
  const poolBound = queueing.bands
    .filter((q) => q.bottleneck === 'pool-bound')
    .map((q) => ({ q, s: byId.get(q.band_id) }))
    .filter((x) => x.s?.usable);
  if (poolBound.length > 0) {
    const worst = poolBound.reduce((a, b) =>
      (b.q.observed_pool_wait_ms ?? 0) > (a.q.observed_pool_wait_ms ?? 0) ? b : a,
    );
    const s = worst.s as BandSummary;
    const bigger = usable.filter(
      (x) => x.stats.workers === s.stats.workers && x.stats.connections > s.stats.connections,
    );
    if (bigger.length > 0) {
      const best = bigger.reduce((a, b) => (tpsOf(b) > tpsOf(a) ? b : a));
      const gain = percentGain(s, best);
      const confidence = differenceConfidence(s, best);
      recs.push({
        type: 'configuration',
        priority: priorityFor(gain, confidence),
        category: 'pool',
        suggestion:
          `${poolBound.length} band(s) are pool-bound; at ${label(s)} ` +
          `${worst.q.evidence.split(';')[0]}. With ${best.stats.connections} connections ` +
          `the same workers reached ${fmt(tpsOf(best))} TPS vs ${fmt(tpsOf(s))}.`,
        expected_gain: gain,
        confidence,
      });
    } else {
      const latency = s.band.latency.mean_ms;
      const share =
        worst.q.observed_pool_wait_ms !== null && latency !== null && latency > 0
          ? worst.q.observed_pool_wait_ms / latency
          : 0;
      recs.push({
        type: 'configuration',
        priority: priorityFor(null, clamp01(share), true),
        category: 'pool',
        suggestion:
          `${poolBound.length} band(s) are pool-bound; at ${label(s)} ${worst.q.evidence.split(';')[0]}. No ` +
          `larger pool was tested at ${s.stats.workers} workers: test more connections, or use fewer workers.`,
        expected_gain: null,
        confidence: clamp01(share),
      });
    }
  }

  // 3. Over-saturation: throughput falls past the peak.
  const degraded = regions
    .filter((r) => r.label === 'degradation')
    .map((r) => byId.get(r.band_id))
    .filter((s): s is BandSummary => !!s && s.usable);
  if (degraded.length > 0) {
    const worst = degraded.reduce((a, b) => (tpsOf(b) < tpsOf(a) ? b : a));
    const gain = percentGain(worst, peak);
    const confidence = differenceConfidence(worst, peak);
    recs.push({
      type: 'configuration',
      priority: priorityFor(gain, confidence),
      category: 'saturation',
      suggestion:
        `Do not scale past the peak at ${label(peak)}: ${degraded.length} band(s) ` +
        `degrade, down to ${fmt(tpsOf(worst))} TPS (${pct(tpsOf(worst) / tpsOf(peak))} of ` +
        `${fmt(tpsOf(peak))}) at ${label(worst)}. Cap workers and the pool near the peak.`,
      expected_gain: gain,
      confidence,
    });
  }

  // 4. System hints from the bottleneck evidence.
  const groups = new Map<string, { ids: number[]; evidence: string[] }>();
  for (const q of queueing.bands) {
    const g = groups.get(q.bottleneck) ?? { ids: [], evidence: [] };
    g.ids.push(q.band_id);
    g.evidence.push(q.evidence);
    groups.set(q.bottleneck, g);
  }
  const involvesKeyBand = (ids: number[]) =>
    ids.includes(peak.stats.band_id) || (opt !== undefined && ids.includes(opt.stats.band_id));
  const list = (ids: number[]) => (ids.length > 6 ? `${ids.slice(0, 6).join(', ')}, …` : ids.join(', '));
  const pgSum = (ids: number[], f: (s: BandSummary) => number | undefined) =>
    ids.reduce((acc, id) => {
      const v = f(byId.get(id) as BandSummary);
      return acc + (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    }, 0);
  /**
   * Mean over the bands of the sampled share of the given wait types (or of WAL waits, or of all IO incl. LWLock
   * WALWrite).
   */
  const waitShareMean = (ids: number[], types: string[], walOnly = false, withWalLock = false) => {
    let total = 0;
    let n = 0;
    for (const id of ids) {
      const ws = byId.get(id)?.band.pg_stats?.wait_events;
      if (!ws) continue;
      const pick = (w: { wait_event_type: string; wait_event: string | null }) =>
        walOnly
          ? isWalWait(w.wait_event_type, w.wait_event)
          : types.includes(w.wait_event_type) ||
            (withWalLock && w.wait_event_type === 'LWLock' && w.wait_event === 'WALWrite');
      total += ws.filter(pick).reduce((a, w) => a + (Number.isFinite(w.fraction) ? w.fraction : 0), 0);
      n++;
    }
    return n > 0 ? total / n : 0;
  };
  const io = groups.get('server-io');
  if (io) {
    const walShare = waitShareMean(io.ids, [], true);
    const ioShare = waitShareMean(io.ids, ['IO'], false, true);
    const confidence = clamp01(ioShare);
    const hit = pgSum(io.ids, (s) => s.band.pg_stats?.blks_hit);
    const read = pgSum(io.ids, (s) => s.band.pg_stats?.blks_read);
    const ratio = hit + read > 0 ? ` The buffer cache hit ratio there was ${pct(hit / (hit + read))}.` : '';
    const sb = environment?.settings?.['shared_buffers'];
    const mostlyWal = walShare >= ioShare / 2;
    const settings = environment?.settings ?? {};
    const current = ['synchronous_commit', 'commit_delay', 'wal_buffers']
      .filter((k) => settings[k] !== undefined)
      .map((k) => `${k} = ${settings[k]}`);
    recs.push({
      type: 'system',
      priority: priorityFor(null, confidence, involvesKeyBand(io.ids)),
      category: 'database',
      suggestion: mostlyWal
        ? `IO waits are the largest share of sampled server time in band(s) ${list(io.ids)}, and most ` +
          `of them are WAL writes and flushes at commit (${pct(walShare)} of sampled backends on WAL ` +
          `vs ${pct(Math.max(0, ioShare - walShare))} on data files): each commit waits for the log ` +
          'to reach disk. Faster WAL storage, group commit (commit_delay with commit_siblings), or ' +
          'synchronous_commit = off where losing the last few transactions on a crash is acceptable ' +
          `raise the ceiling${current.length ? ` (now ${current.join(', ')})` : ''}; shared_buffers ` +
          `does not help here.${ratio}`
        : 'IO waits on data files are the largest share of sampled server time in band(s) ' +
          `${list(io.ids)}.${ratio} Raise shared_buffers${sb ? ` (now ${sb})` : ''} if the ` +
          `working set fits in memory, and check the workload's queries for missing indexes.`,
      expected_gain: null,
      confidence,
    });
  }
  const lock = groups.get('server-lock');
  if (lock) {
    const deadlocks = pgSum(lock.ids, (s) => s.band.pg_stats?.deadlocks);
    recs.push({
      type: 'system',
      priority: priorityFor(
        null,
        clamp01(waitShareMean(lock.ids, ['Lock', 'LWLock', 'BufferPin'])),
        involvesKeyBand(lock.ids),
      ),
      category: 'database',
      suggestion:
        'Lock waits dominate sampled server time in band(s) ' +
        `${list(lock.ids)}${deadlocks > 0 ? `, with ${fmt(deadlocks)} deadlock(s)` : ''}: transactions ` +
        'contend for the same rows (hot rows such as a small branches table), so more connections only ' +
        'queue on locks. Spread the hot rows (larger scale, partitioning) or shorten the transactions.',
      expected_gain: null,
      confidence: clamp01(waitShareMean(lock.ids, ['Lock', 'LWLock', 'BufferPin'])),
    });
  }
  const cpu = groups.get('server-cpu');
  if (cpu) {
    recs.push({
      type: 'system',
      priority: priorityFor(null, clamp01(waitShareMean(cpu.ids, ['CPU'])), involvesKeyBand(cpu.ids)),
      category: 'hardware',
      suggestion:
        `Server backends were mostly on CPU in band(s) ${list(cpu.ids)}: throughput is ` +
        'limited by server cores, so more connections than cores add contention, not TPS. ' +
        'More server CPU or cheaper statements (see the top statements) raise the ceiling.',
      expected_gain: null,
      confidence: clamp01(waitShareMean(cpu.ids, ['CPU'])),
    });
  }
  const client = groups.get('client-bound');
  if (client) {
    // The evidence is the event-loop utilisation itself: the share of the band the loop was busy.
    const elus = client.ids
      .map((id) => byId.get(id)?.band.client?.event_loop_utilization)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const confidence = elus.length > 0 ? clamp01(elus.reduce((a, v) => a + v, 0) / elus.length) : 0.5;
    const peakInvolved =
      client.ids.includes(peak.stats.band_id) || (opt !== undefined && client.ids.includes(opt.stats.band_id));
    const eluText = elus.length > 0 ? ` (mean event-loop utilisation ${fmt(confidence, 2)})` : '';
    const peakText = peakInvolved ? ' (including the peak or optimum band: the true ceiling may be higher)' : '';
    recs.push({
      type: 'system',
      priority: priorityFor(null, confidence, peakInvolved),
      category: 'client',
      suggestion:
        `The load generator was saturated in band(s) ${list(client.ids)}${eluText}, so those bands measure the ` +
        `client, not PostgreSQL${peakText}; they are left out of the fits and not labelled with a region. ` +
        'Give the runner more cores, or measure with rate mode.',
      expected_gain: null,
      confidence,
    });
  }

  // 5. Measurement quality: intervals too wide to separate neighbouring bands.
  const wide = usable.filter((s) => {
    const iv = s.stats.tps.interval;
    return iv === null || (iv.high - iv.low) / 2 > 0.1 * tpsOf(s);
  });
  if (wide.length > 0) {
    recs.push({
      type: 'configuration',
      // A measurement-quality hint: never above medium.
      priority: wide.length > usable.length / 2 ? 'medium' : 'low',
      category: 'measurement',
      suggestion:
        `${wide.length} of ${usable.length} band(s) have no TPS interval or one ` +
        `wider than ±10% (band(s) ${list(wide.map((s) => s.stats.band_id))}); ` +
        'lengthen band_duration so that differences between bands can be tested.',
      expected_gain: null,
      confidence: clamp01(wide.length / usable.length),
    });
  }
  return recs;
}
