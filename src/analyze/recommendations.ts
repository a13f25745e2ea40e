// Recommendations in the spec's shape. Every expected_gain is a measured TPS difference between two
// bands, and every confidence comes from the evidence: 1 − p of that difference, or the measured share
// of the evidence (wait-event share, share of bands affected) where no difference is being claimed.

import type { AnalysisSettings, EnvironmentFacts } from '../types.js';
import type { BandRegion, QueueingAnalysis, Recommendation } from './types.js';
import type { BandSummary } from './bands.js';
import { differencePValue, tpsDifference, type GainDetail } from './marginal.js';
import type { OptimumResult } from './optimum.js';
import { fmt, pct } from './format.js';

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

function priorityFor(gainPercent: number | null, confidence: number): Recommendation['priority'] {
  if (gainPercent !== null && Math.abs(gainPercent) >= 10 && confidence >= 0.9) return 'high';
  if (gainPercent !== null && Math.abs(gainPercent) >= 2 && confidence >= 0.5) return 'medium';
  return 'low';
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
  const smallest = [...usable].sort((a, b) => a.stats.connections - b.stats.connections || a.stats.workers - b.stats.workers || a.stats.band_id - b.stats.band_id)[0] as BandSummary;

  // 1. Worker count: the optimum against the smallest configuration tested.
  const opt = optimum.optimal ? byId.get(optimum.optimal.band_id) : undefined;
  if (opt) {
    const util = opt.stats.connection_utilization;
    const utilText = util !== null ? `; its pool was ${pct(util)} busy by Little's law (service time × TPS ÷ connections)` : '';
    if (opt !== smallest) {
      const gain = percentGain(smallest, opt);
      const confidence = differenceConfidence(smallest, opt);
      recs.push({
        type: 'configuration',
        priority: priorityFor(gain, confidence),
        category: 'workers',
        suggestion: `Run ${label(opt)}: ${fmt(tpsOf(opt))} TPS vs ${fmt(tpsOf(smallest))} at the smallest band tested, and ${pct(tpsOf(opt) / tpsOf(peak))} of peak${utilText}. Larger configurations add no significant throughput.`,
        expected_gain: gain,
        confidence,
      });
    } else {
      // The smallest band is already as good as any: the claim is "no gain beyond it", so the evidence is
      // how clearly the best band fails to beat it (the p-value of that gap).
      const ref = optimum.reference ?? peak;
      const d = tpsDifference(opt, ref);
      const p = differencePValue(d.diff, d.se, d.df);
      recs.push({
        type: 'configuration',
        priority: 'medium',
        category: 'workers',
        suggestion: `The smallest band tested, ${label(opt)}, is already within noise of the best (${fmt(tpsOf(opt))} vs ${fmt(tpsOf(ref))} TPS)${utilText}; test smaller configurations to find the knee.`,
        expected_gain: percentGain(opt, ref),
        confidence: p === null ? 0 : clamp01(p),
      });
    }
    // Pool size: the optimum against the largest pool tested with the same workers.
    const sameWorkers = usable.filter((s) => s.stats.workers === opt.stats.workers && s.stats.connections > opt.stats.connections);
    if (sameWorkers.length > 0) {
      const largest = sameWorkers.reduce((a, b) => (b.stats.connections > a.stats.connections ? b : a));
      const gain = percentGain(largest, opt);
      const confidence = differenceConfidence(largest, opt);
      recs.push({
        type: 'configuration',
        priority: gain !== null && gain > 0 ? priorityFor(gain, confidence) : 'low',
        category: 'connections',
        suggestion: `Size the pool at ${opt.stats.connections} connections for ${opt.stats.workers} workers: ${largest.stats.connections} connections gave ${fmt(tpsOf(largest))} TPS vs ${fmt(tpsOf(opt))}, so a bigger pool ${gain !== null && gain > 0 ? 'costs throughput' : 'buys no significant throughput'} and holds more server backends.`,
        expected_gain: gain,
        confidence,
      });
    }
  }

  // 2. Pool-bound bands: connections too few for the workers.
  const poolBound = queueing.bands.filter((q) => q.bottleneck === 'pool-bound').map((q) => ({ q, s: byId.get(q.band_id) })).filter((x) => x.s?.usable);
  if (poolBound.length > 0) {
    const worst = poolBound.reduce((a, b) => ((b.q.observed_pool_wait_ms ?? 0) > (a.q.observed_pool_wait_ms ?? 0) ? b : a));
    const s = worst.s as BandSummary;
    const bigger = usable.filter((x) => x.stats.workers === s.stats.workers && x.stats.connections > s.stats.connections);
    if (bigger.length > 0) {
      const best = bigger.reduce((a, b) => (tpsOf(b) > tpsOf(a) ? b : a));
      const gain = percentGain(s, best);
      const confidence = differenceConfidence(s, best);
      recs.push({
        type: 'configuration',
        priority: priorityFor(gain, confidence),
        category: 'pool',
        suggestion: `${poolBound.length} band(s) are pool-bound; at ${label(s)} ${worst.q.evidence.split(';')[0]}. With ${best.stats.connections} connections the same workers reached ${fmt(tpsOf(best))} TPS vs ${fmt(tpsOf(s))}.`,
        expected_gain: gain,
        confidence,
      });
    } else {
      const latency = s.band.latency.mean_ms;
      const share = worst.q.observed_pool_wait_ms !== null && latency !== null && latency > 0 ? worst.q.observed_pool_wait_ms / latency : 0;
      recs.push({
        type: 'configuration',
        priority: share > 0.75 ? 'high' : 'medium',
        category: 'pool',
        suggestion: `${poolBound.length} band(s) are pool-bound; at ${label(s)} ${worst.q.evidence.split(';')[0]}. No larger pool was tested at ${s.stats.workers} workers: test more connections, or use fewer workers.`,
        expected_gain: null,
        confidence: clamp01(share),
      });
    }
  }

  // 3. Over-saturation: throughput falls past the peak.
  const degraded = regions.filter((r) => r.label === 'degradation').map((r) => byId.get(r.band_id)).filter((s): s is BandSummary => !!s && s.usable);
  if (degraded.length > 0) {
    const worst = degraded.reduce((a, b) => (tpsOf(b) < tpsOf(a) ? b : a));
    const gain = percentGain(worst, peak);
    const confidence = differenceConfidence(worst, peak);
    recs.push({
      type: 'configuration',
      priority: priorityFor(gain, confidence),
      category: 'saturation',
      suggestion: `Do not scale past the peak at ${label(peak)}: ${degraded.length} band(s) degrade, down to ${fmt(tpsOf(worst))} TPS (${pct(tpsOf(worst) / tpsOf(peak))} of ${fmt(tpsOf(peak))}) at ${label(worst)}. Cap workers and the pool near the peak.`,
      expected_gain: gain,
      confidence,
    });
  }

  // 4. System hints from the bottleneck evidence.
  const nAnalysed = queueing.bands.length;
  const groups = new Map<string, { ids: number[]; evidence: string[] }>();
  for (const q of queueing.bands) {
    const g = groups.get(q.bottleneck) ?? { ids: [], evidence: [] };
    g.ids.push(q.band_id);
    g.evidence.push(q.evidence);
    groups.set(q.bottleneck, g);
  }
  const involvesKeyBand = (ids: number[]) => ids.includes(peak.stats.band_id) || (opt !== undefined && ids.includes(opt.stats.band_id));
  const list = (ids: number[]) => (ids.length > 6 ? `${ids.slice(0, 6).join(', ')}, …` : ids.join(', '));
  const pgSum = (ids: number[], f: (s: BandSummary) => number | undefined) =>
    ids.reduce((acc, id) => {
      const v = f(byId.get(id) as BandSummary);
      return acc + (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    }, 0);
  const waitShareMean = (ids: number[], types: string[]) => {
    let total = 0;
    let n = 0;
    for (const id of ids) {
      const ws = byId.get(id)?.band.pg_stats?.wait_events;
      if (!ws) continue;
      total += ws.filter((w) => types.includes(w.wait_event_type)).reduce((a, w) => a + (Number.isFinite(w.fraction) ? w.fraction : 0), 0);
      n++;
    }
    return n > 0 ? total / n : 0;
  };
  const io = groups.get('server-io');
  if (io) {
    const hit = pgSum(io.ids, (s) => s.band.pg_stats?.blks_hit);
    const read = pgSum(io.ids, (s) => s.band.pg_stats?.blks_read);
    const ratio = hit + read > 0 ? ` The buffer cache hit ratio there was ${pct(hit / (hit + read))}.` : '';
    const sb = environment?.settings?.['shared_buffers'];
    recs.push({
      type: 'system',
      priority: involvesKeyBand(io.ids) ? 'high' : 'medium',
      category: 'database',
      suggestion: `IO waits are the largest share of sampled server time in band(s) ${list(io.ids)}.${ratio} Raise shared_buffers${sb ? ` (now ${sb})` : ''} if the working set fits in memory, and check the workload's queries for missing indexes.`,
      expected_gain: null,
      confidence: clamp01(waitShareMean(io.ids, ['IO'])),
    });
  }
  const lock = groups.get('server-lock');
  if (lock) {
    const deadlocks = pgSum(lock.ids, (s) => s.band.pg_stats?.deadlocks);
    recs.push({
      type: 'system',
      priority: involvesKeyBand(lock.ids) ? 'high' : 'medium',
      category: 'database',
      suggestion: `Lock waits dominate sampled server time in band(s) ${list(lock.ids)}${deadlocks > 0 ? `, with ${fmt(deadlocks)} deadlock(s)` : ''}: transactions contend for the same rows (hot rows such as a small branches table), so more connections only queue on locks. Spread the hot rows (larger scale, partitioning) or shorten the transactions.`,
      expected_gain: null,
      confidence: clamp01(waitShareMean(lock.ids, ['Lock', 'LWLock', 'BufferPin'])),
    });
  }
  const cpu = groups.get('server-cpu');
  if (cpu) {
    recs.push({
      type: 'system',
      priority: involvesKeyBand(cpu.ids) ? 'medium' : 'low',
      category: 'hardware',
      suggestion: `Server backends were mostly on CPU in band(s) ${list(cpu.ids)}: throughput is limited by server cores, so more connections than cores add contention, not TPS. More server CPU or cheaper statements (see the top statements) raise the ceiling.`,
      expected_gain: null,
      confidence: clamp01(waitShareMean(cpu.ids, ['CPU'])),
    });
  }
  const client = groups.get('client-bound');
  if (client) {
    recs.push({
      type: 'system',
      priority: client.ids.includes(peak.stats.band_id) ? 'high' : 'medium',
      category: 'client',
      suggestion: `The load generator was saturated in band(s) ${list(client.ids)}, so those bands measure the client, not PostgreSQL${client.ids.includes(peak.stats.band_id) ? ' (including the peak band: the true ceiling may be higher)' : ''}. Give the runner more cores, or measure with rate mode.`,
      expected_gain: null,
      confidence: clamp01(client.ids.length / Math.max(1, nAnalysed)),
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
      priority: wide.length > usable.length / 2 ? 'medium' : 'low',
      category: 'measurement',
      suggestion: `${wide.length} of ${usable.length} band(s) have no TPS interval or one wider than ±10% (band(s) ${list(wide.map((s) => s.stats.band_id))}); lengthen band_duration so that differences between bands can be tested.`,
      expected_gain: null,
      confidence: clamp01(wide.length / usable.length),
    });
  }
  return recs;
}

