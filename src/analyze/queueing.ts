// Queueing view of each band: Little's law, measured utilisation, an M/M/c pool-wait prediction
// set against the pool wait actually observed, and a bottleneck label with its evidence.

import type { BandResult } from '../types.js';
import type { Bottleneck, QueueingAnalysis, QueueingBand } from './types.js';
import { attemptedThroughput } from './bands.js';
import { isFiniteNumber } from './stats.js';
import { fmt, fmtSig, pct } from './format.js';

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with c servers and offered
 * load a = λ/μ (Erlangs). Computed from the Erlang B recurrence B(0) = 1,
 * B(k) = a·B(k−1) / (k + a·B(k−1)), which never forms aᶜ or c!, so it is stable for c in the
 * thousands; then C = B / (1 − ρ(1 − B)) with ρ = a/c. Requires an integer c ≥ 1 and 0 ≤ a < c.
 * Source: Kleinrock, Queueing Systems Vol. 1; recurrence as in e.g. Zeng, "Two common properties of the Erlang-B function".
 */
export function erlangC(c: number, offeredLoad: number): number {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`erlangC: c must be an integer ≥ 1, got ${c}`);
  if (!(offeredLoad >= 0) || !(offeredLoad < c)) {
    throw new RangeError(`erlangC: offered load must satisfy 0 ≤ a < c (stable queue), got a = ${offeredLoad}, c = ${c}`);
  }
  if (offeredLoad === 0) return 0;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  const rho = offeredLoad / c;
  return b / (1 - rho * (1 - b));
}

interface WaitShares {
  cpu: number;
  io: number;
  lock: number;
}

/** Sum sampled wait-event fractions into CPU (no wait), IO and lock classes. */
function waitShares(band: BandResult): WaitShares | null {
  const ps = band.pg_stats;
  if (!ps || !Array.isArray(ps.wait_events) || ps.wait_events.length === 0 || !(ps.activity_samples > 0)) return null;
  const shares: WaitShares = { cpu: 0, io: 0, lock: 0 };
  for (const w of ps.wait_events) {
    if (!isFiniteNumber(w.fraction)) continue;
    const type = w.wait_event_type;
    // WALWrite is an LWLock held while WAL is flushed: it is waiting on the disk, not on contention.
    if (type === 'CPU') shares.cpu += w.fraction;
    else if (type === 'IO' || (type === 'LWLock' && w.wait_event === 'WALWrite')) shares.io += w.fraction;
    else if (type === 'Lock' || type === 'LWLock' || type === 'BufferPin') shares.lock += w.fraction;
  }
  return shares;
}

/** A server-side class must be the largest and at least this share of sampled active backends. */
const DOMINANT_WAIT_SHARE = 0.2;
/** Pool wait above this share of end-to-end latency makes the pool the bottleneck. */
const POOL_DOMINANT_SHARE = 0.5;

function classifyBottleneck(band: BandResult): { bottleneck: Bottleneck; evidence: string } {
  if (band.client?.client_bound) {
    const elu = band.client.event_loop_utilization;
    return {
      bottleneck: 'client-bound',
      evidence: `the load generator was saturated${isFiniteNumber(elu) ? ` (event-loop utilisation ${fmt(elu, 2)})` : ''}, so this band measures the client, not the database`,
    };
  }
  const poolMs = band.pool_wait?.mean_ms;
  const latencyMs = band.latency?.mean_ms;
  let poolNote = 'pool wait unknown';
  if (isFiniteNumber(poolMs) && isFiniteNumber(latencyMs) && latencyMs > 0) {
    const share = poolMs / latencyMs;
    poolNote = `pool wait ${fmtSig(poolMs, 3)} ms of ${fmtSig(latencyMs, 3)} ms mean latency (${pct(share)})`;
    if (share > POOL_DOMINANT_SHARE) {
      return {
        bottleneck: 'pool-bound',
        evidence: `${poolNote}: ${band.workers} workers queue for ${band.connections} connections`,
      };
    }
  }
  const shares = waitShares(band);
  if (shares === null) {
    return { bottleneck: 'server', evidence: `${poolNote}; no wait-event samples to split server time into CPU, IO or locks` };
  }
  const ranked = (
    [
      ['server-cpu', shares.cpu, 'on CPU (no wait event)'],
      ['server-io', shares.io, 'waiting on IO'],
      ['server-lock', shares.lock, 'waiting on locks (Lock/LWLock)'],
    ] as const
  ).slice().sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked as unknown as [(typeof ranked)[number], (typeof ranked)[number]];
  const summary = `sampled active backends: ${pct(shares.cpu)} on CPU, ${pct(shares.io)} IO, ${pct(shares.lock)} locks over ${band.pg_stats?.activity_samples} samples`;
  if (top[1] >= DOMINANT_WAIT_SHARE && top[1] > second[1]) {
    return { bottleneck: top[0], evidence: `${poolNote}; ${summary}; the largest share is ${top[2]}` };
  }
  return { bottleneck: 'server', evidence: `${poolNote}; ${summary}; no class dominates` };
}

export function analyzeQueueing(bands: BandResult[]): QueueingAnalysis {
  const out: QueueingBand[] = [];
  for (const band of bands) {
    const x = attemptedThroughput(band);
    const r = band.latency?.mean_ms;
    const s = band.service_time?.mean_ms;
    const open = band.rate !== null && band.rate !== undefined;
    const littleN = isFiniteNumber(x) && isFiniteNumber(r) ? (x * r) / 1000 : null;
    const littleErr = littleN !== null && !open && band.workers > 0 ? (littleN - band.workers) / band.workers : null;
    const serviceMs = isFiniteNumber(s) && s > 0 ? s : null;
    const mu = serviceMs === null ? null : 1000 / serviceMs;
    const c = band.connections;
    const offered = serviceMs !== null && isFiniteNumber(x) ? (x * serviceMs) / 1000 : null;
    const rho = offered !== null && c > 0 ? offered / c : null;
    let predicted: number | null = null;
    let prob: number | null = null;
    if (offered !== null && mu !== null && isFiniteNumber(x) && Number.isInteger(c) && c >= 1 && offered < c) {
      prob = erlangC(c, offered);
      predicted = (prob / (c * mu - x)) * 1000;
    }
    const observed = band.pool_wait?.mean_ms;
    const label = classifyBottleneck(band);
    out.push({
      band_id: band.band_id,
      littles_law_n: littleN,
      littles_law_error: littleErr,
      service_time_ms: serviceMs,
      service_rate: mu,
      utilization: rho,
      predicted_pool_wait_ms: predicted,
      observed_pool_wait_ms: isFiniteNumber(observed) ? observed : null,
      erlang_c_probability: prob,
      bottleneck: label.bottleneck,
      evidence: label.evidence + predictionNote(band, offered, c, serviceMs),
    });
  }
  return {
    model: 'M/M/c (Erlang C) against a closed-loop benchmark',
    bands: out,
    notes: [
      'Utilisation ρ = X·S / C is measured (throughput × mean service time ÷ connections), not assumed: in a closed loop with workers ≤ connections it is the fraction of the pool actually busy.',
      "Little's law for a closed loop: workers N ≈ X·R, with R the mean end-to-end latency (pool wait included) and no think time; littles_law_error is (X·R − N)/N and grows with client-side time between transactions.",
      'The M/M/c pool-wait prediction treats the band as an open system with Poisson arrivals at the measured rate. A closed loop with workers ≤ connections can never queue for the pool, so there the observed pool wait is ~0 whatever Erlang C predicts; with more workers than connections the queue is bounded by the workers, so M/M/c overstates the wait as ρ → 1.',
      'A prediction is null when ρ ≥ 1 (an open M/M/c queue would grow without bound) or when service time is missing.',
    ],
  };
}

function predictionNote(band: BandResult, offered: number | null, c: number, serviceMs: number | null): string {
  if (serviceMs === null) return '; no Erlang C prediction: service time missing';
  if (offered === null) return '; no Erlang C prediction: throughput missing';
  if (!(Number.isInteger(c) && c >= 1)) return `; no Erlang C prediction: connections = ${c}`;
  if (offered >= c) return `; no Erlang C prediction: ρ = ${fmt(offered / c, 2)} ≥ 1, an open M/M/c queue would be unstable`;
  if (band.workers <= c) return `; ${band.workers} workers ≤ ${c} connections, so the pool itself cannot make anyone wait`;
  return '';
}
