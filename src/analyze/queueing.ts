// Queueing view of each band: Little's law, measured utilisation, an M/M/c pool-wait prediction
// set against the pool wait actually observed, and a bottleneck label with its evidence.

import type { BandResult, Bottleneck, QueueingAnalysis, QueueingBand } from '../results/types.js';
import { attemptedThroughput, littlesLaw, offeredLoad, utilisation } from './laws.js';
import { isFiniteNumber } from './stats.js';
import { fmt, fmtSig, pct } from './format.js';

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with c servers and offered
 * load a = λ/μ (Erlangs). Computed from the Erlang B recurrence B(0) = 1,
 * B(k) = a·B(k−1) / (k + a·B(k−1)), which never forms aᶜ or c!, so it is stable for c in the
 * thousands; then C = B / (1 − ρ(1 − B)) with ρ = a/c. Requires an integer c ≥ 1 and 0 ≤ a < c.
 * Source: Kleinrock, Queueing Systems Vol. 1; recurrence as in e.g. Zeng, "Two common properties of the Erlang-B
 * function".
 */
export function erlangC(c: number, offeredLoad: number): number {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`erlangC: c must be an integer ≥ 1, got ${c}`);
  if (!(offeredLoad >= 0) || !(offeredLoad < c)) {
    throw new RangeError(
      `erlangC: offered load must satisfy 0 ≤ a < c (stable queue), got a = ${offeredLoad}, c = ${c}`,
    );
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
  /** The part of `io` that is WAL writing/flushing (commit durability), not data-file reads. */
  walIo: number;
  lock: number;
}

/** WAL waits: flushing or writing the log at commit. Raising shared_buffers does nothing for these. */
export function isWalWait(type: string, event: string | null): boolean {
  if (type === 'IO') return event !== null && event.startsWith('WAL');
  return type === 'LWLock' && event === 'WALWrite';
}

/** Sum sampled wait-event fractions into CPU (no wait), IO and lock classes. */
export function waitShares(band: BandResult): WaitShares | null {
  const ps = band.pg_stats;
  if (!ps || !Array.isArray(ps.wait_events) || ps.wait_events.length === 0 || !(ps.activity_samples > 0)) return null;
  const shares: WaitShares = { cpu: 0, io: 0, walIo: 0, lock: 0 };
  for (const w of ps.wait_events) {
    if (!isFiniteNumber(w.fraction)) continue;
    const type = w.wait_event_type;
    // WALWrite is an LWLock held while WAL is flushed: it is waiting on the disk, not on contention.
    if (type === 'CPU') shares.cpu += w.fraction;
    else if (type === 'IO' || (type === 'LWLock' && w.wait_event === 'WALWrite')) {
      shares.io += w.fraction;
      if (isWalWait(type, w.wait_event)) shares.walIo += w.fraction;
    } else if (type === 'Lock' || type === 'LWLock' || type === 'BufferPin') shares.lock += w.fraction;
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
      evidence:
        'the load generator was ' +
        `saturated${isFiniteNumber(elu) ? ` (event-loop utilisation ${fmt(elu, 2)})` : ''}, ` +
        'so this band measures the client, not the database',
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
    return {
      bottleneck: 'server',
      evidence: `${poolNote}; no wait-event samples to split server time into CPU, IO or locks`,
    };
  }
  const ranked = (
    [
      ['server-cpu', shares.cpu, 'on CPU (no wait event)'],
      [
        'server-io',
        shares.io,
        shares.io > 0 && shares.walIo >= shares.io / 2
          ? 'waiting on IO, mostly WAL writes and flushes at commit ' +
            `(${pct(shares.walIo)} WAL vs ${pct(shares.io - shares.walIo)} data files)`
          : `waiting on IO, mostly data files (${pct(shares.io - shares.walIo)} ` +
            `data files vs ${pct(shares.walIo)} WAL)`,
      ],
      ['server-lock', shares.lock, 'waiting on locks (Lock/LWLock)'],
    ] as const
  )
    .slice()
    .sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked as unknown as [(typeof ranked)[number], (typeof ranked)[number]];
  const summary =
    `sampled active backends: ${pct(shares.cpu)} on CPU, ${pct(shares.io)} IO, ` +
    `${pct(shares.lock)} locks over ${band.pg_stats?.activity_samples} samples`;
  if (top[1] >= DOMINANT_WAIT_SHARE && top[1] > second[1]) {
    return { bottleneck: top[0], evidence: `${poolNote}; ${summary}; the largest share is ${top[2]}` };
  }
  return { bottleneck: 'server', evidence: `${poolNote}; ${summary}; no class dominates` };
}

/** Above this ρ the open M/M/c wait is so sensitive to ρ that it is quoted only with a caveat. */
const NEAR_SATURATION_RHO = 0.9;
/** Raw X·S/C above 1 by more than this is a measurement inconsistency, not window-edge rounding. */
const UTILISATION_OVERSHOOT = 0.02;

interface PoolWaitPrediction {
  predicted: number | null;
  open: number | null;
  bound: number | null;
  probability: number | null;
  method: QueueingBand['prediction_method'];
  reason: string;
}

/**
 * Mean pool wait expected for a band.
 *
 * The pool is C servers (connections) fed by W closed-loop workers with no think time. With W ≤ C a
 * worker always finds a free connection, so the pool wait is 0 exactly, whatever an open-model
 * formula says. With W > C at most W − C workers wait, and whenever anyone waits all C connections are
 * busy and free up at rate C/S, so by Little's law on the queue the mean wait is at most (W − C)·S/C
 * (the value a saturated closed loop reaches). The open M/M/c (Erlang C) wait, which assumes Poisson
 * arrivals from an infinite population, grows without bound as ρ → 1; it is reported capped by that
 * closed-loop bound, and with a caveat near saturation.
 */
export function predictPoolWait(
  workers: number,
  c: number,
  x: number | null,
  serviceMs: number | null,
): PoolWaitPrediction {
  const none = (reason: string): PoolWaitPrediction => ({
    predicted: null,
    open: null,
    bound: null,
    probability: null,
    method: null,
    reason,
  });
  if (!(Number.isInteger(c) && c >= 1)) return none(`no prediction: connections = ${c}`);
  if (workers <= c) {
    return {
      predicted: 0,
      open: null,
      bound: 0,
      probability: null,
      method: 'no-pool-queue',
      reason:
        `${workers} worker${workers === 1 ? '' : 's'} ≤ ${c} ` +
        `connection${c === 1 ? '' : 's'}: in a closed loop every worker always finds a free ` +
        'connection, so the predicted pool wait is 0 (the open M/M/c model does not apply)',
    };
  }
  if (serviceMs === null) return none('no prediction: service time missing');
  const bound = ((workers - c) * serviceMs) / c;
  const boundText =
    `closed-loop bound (W − C)·S/C = (${workers} − ${c}) × ` +
    `${fmtSig(serviceMs, 3)} ms / ${c} = ${fmtSig(bound, 3)} ms`;
  if (x === null || !(x > 0)) {
    return {
      predicted: bound,
      open: null,
      bound,
      probability: null,
      method: 'closed-loop-bound',
      reason: `no throughput for the open model; the ${boundText}`,
    };
  }
  const offered = offeredLoad(x, serviceMs);
  const rho = offered / c;
  if (offered >= c) {
    return {
      predicted: bound,
      open: null,
      bound,
      probability: null,
      method: 'closed-loop-bound',
      reason:
        `ρ = ${fmt(rho, 3)} ≥ 1, where an open M/M/c queue grows without ` +
        `bound; a closed loop cannot, so the prediction is the ${boundText}`,
    };
  }
  const probability = erlangC(c, offered);
  const mu = 1000 / serviceMs;
  const open = (probability / (c * mu - x)) * 1000;
  if (!Number.isFinite(open)) {
    return {
      predicted: bound,
      open: null,
      bound,
      probability,
      method: 'closed-loop-bound',
      reason:
        `ρ = ${fmt(rho, 4)} is so close to 1 that the open M/M/c wait is not a finite number; ` +
        `a closed loop cannot queue without bound, so the prediction is the ${boundText}`,
    };
  }
  const caveat =
    rho > NEAR_SATURATION_RHO
      ? ` At ρ = ${fmt(rho, 3)} the open-model wait is extremely sensitive to ρ and ` +
        'assumes an unbounded population, so treat it as an order of magnitude.'
      : '';
  if (open > bound) {
    return {
      predicted: bound,
      open,
      bound,
      probability,
      method: 'closed-loop-bound',
      reason:
        `the open M/M/c (Erlang C) wait is ${fmtSig(open, 3)} ms at ρ = ${fmt(rho, 3)}, ` +
        `more than ${workers} workers can produce; capped at the ${boundText}`,
    };
  }
  return {
    predicted: open,
    open,
    bound,
    probability,
    method: 'erlang-c',
    reason:
      `open M/M/c (Erlang C) at ρ = ${fmt(rho, 3)}: P(wait) = ${fmt(probability, 3)}, ` +
      `mean wait ${fmtSig(open, 3)} ms, below the ${boundText}.${caveat}`,
  };
}

/** ρ = X·S/C clipped to [0, 1], with a remark when the raw ratio overshoots. */
export function measuredUtilisation(
  x: number | null,
  serviceMs: number | null,
  c: number,
): { value: number | null; raw: number | null; remark: string | null } {
  const raw = utilisation(x, serviceMs, c);
  if (raw === null || !Number.isFinite(raw)) return { value: null, raw: null, remark: null };
  if (raw <= 1) return { value: Math.max(0, raw), raw, remark: null };
  const remark =
    raw <= 1 + UTILISATION_OVERSHOOT
      ? `raw X·S/C = ${fmt(raw, 4)} is clipped to 1: transactions straddling the ` +
        'window edges make the ratio overshoot slightly; the pool was fully busy'
      : `raw X·S/C = ${fmt(raw, 3)} exceeds 1 by more than window-edge rounding ` +
        'explains: throughput and service time disagree (clipped to 1)';
  return { value: 1, raw, remark };
}

/**
 * A band's utilisation ρ = X·S/C (measuredUtilisation), with X the attempted throughput and S the
 * mean service time: the one value that band_statistics[].connection_utilization and
 * queueing_theory.bands[].utilization both report. No measured service time (missing, or S ≤ 0,
 * which no committed transaction can have): null, never a ρ of 0 for a pool that did work.
 */
export function bandUtilisation(band: BandResult): { value: number | null; raw: number | null; remark: string | null } {
  const x = attemptedThroughput(band);
  const s = band.service_time?.mean_ms;
  return measuredUtilisation(isFiniteNumber(x) ? x : null, isFiniteNumber(s) && s > 0 ? s : null, band.connections);
}

export function analyzeQueueing(bands: BandResult[]): QueueingAnalysis {
  const out: QueueingBand[] = [];
  for (const band of bands) {
    const xRaw = attemptedThroughput(band);
    const x = isFiniteNumber(xRaw) ? xRaw : null;
    const r = band.latency?.mean_ms;
    const s = band.service_time?.mean_ms;
    const open = band.rate !== null && band.rate !== undefined;
    const littleN = x !== null && isFiniteNumber(r) ? littlesLaw(x, r) : null;
    const littleErr = littleN !== null && !open && band.workers > 0 ? (littleN - band.workers) / band.workers : null;
    const serviceMs = isFiniteNumber(s) && s > 0 ? s : null;
    const mu = serviceMs === null ? null : 1000 / serviceMs;
    const c = band.connections;
    const util = bandUtilisation(band);
    const prediction = open
      ? ({
          predicted: null,
          open: null,
          bound: null,
          probability: null,
          method: null,
          reason: 'no prediction: open-loop (rate) band, where arrivals do not wait on the workers',
        } satisfies PoolWaitPrediction)
      : predictPoolWait(band.workers, c, x, serviceMs);
    const observed = band.pool_wait?.mean_ms;
    const label = classifyBottleneck(band);
    const remarks = [prediction.reason];
    if (util.remark) remarks.push(util.remark);
    out.push({
      band_id: band.band_id,
      littles_law_n: littleN,
      littles_law_error: littleErr,
      service_time_ms: serviceMs,
      service_rate: mu,
      utilization: util.value,
      predicted_pool_wait_ms: prediction.predicted,
      observed_pool_wait_ms: isFiniteNumber(observed) ? observed : null,
      erlang_c_probability: prediction.probability,
      open_model_pool_wait_ms: prediction.open,
      closed_loop_bound_ms: prediction.bound,
      prediction_method: prediction.method,
      prediction_reason: prediction.reason,
      bottleneck: label.bottleneck,
      evidence: `${label.evidence}; ${remarks.join('; ')}`,
    });
  }
  return {
    model: 'M/M/c (Erlang C) against a closed-loop benchmark',
    bands: out,
    notes: [
      'Utilisation ρ = X·S / C is measured (attempted throughput × mean service time ÷ connections), not ' +
        'assumed, and clipped to 1. In a closed loop it is ≈ min(W, C)/C less the time workers spend client-side ' +
        'between transactions: ~1 at W ≥ C means the pool was never idle, not that the server is saturated.',
      "Little's law for a closed loop: workers N ≈ X·R, with R the mean end-to-end " +
        'latency (pool wait included) and no think time; littles_law_error is (X·R − ' +
        'N)/N and grows with client-side time between transactions.',
      'Predicted pool wait: with workers ≤ connections a closed loop never queues for the pool, so the ' +
        'prediction is 0. With W > C it is the open M/M/c (Erlang C) wait at the measured arrival rate and ' +
        'service time, capped by the closed-loop bound (W − C)·S/C, which a saturated closed loop reaches; near ' +
        'ρ = 1 the open model alone would predict seconds or minutes of wait that W workers cannot produce.',
      'Comparing predicted with observed pool wait says how well a Poisson-arrival model describes ' +
        'this pool; it is not a forecast for production traffic, whose arrivals are not a closed loop.',
    ],
  };
}
