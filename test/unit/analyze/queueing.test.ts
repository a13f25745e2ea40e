import { describe, expect, it } from 'vitest';
import { gammaln } from 'simple-statistics';
import { analyzeQueueing, erlangC } from '../../../src/analyze/queueing.js';
import { summarizeBand } from '../../../src/analyze/bands.js';
import { makeBand, SETTINGS } from '../../support/analyze-factory.js';

/** Erlang C from its closed form, summed in log space so it survives c = 1000. */
function erlangCDirect(c: number, a: number): number {
  const logTerms: number[] = [];
  for (let k = 0; k < c; k++) logTerms.push(k * Math.log(a) - gammaln(k + 1));
  const logTail = c * Math.log(a) - gammaln(c + 1) + Math.log(c / (c - a));
  const m = Math.max(...logTerms, logTail);
  const sum = logTerms.reduce((s, t) => s + Math.exp(t - m), 0);
  const tail = Math.exp(logTail - m);
  return tail / (sum + tail);
}

describe('erlangC', () => {
  it('matches textbook values', () => {
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12); // M/M/1: P(wait) = ρ
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12);
    expect(erlangC(5, 0)).toBe(0);
  });
  it('is finite and correct for c = 1000, a = 950', () => {
    const v = erlangC(1000, 950);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
    expect(v).toBeCloseTo(erlangCDirect(1000, 950), 9);
  });
  it('agrees with the closed form across loads', () => {
    for (const [c, a] of [
      [10, 7.5],
      [50, 49],
      [200, 120],
      [1000, 999],
    ] as const) {
      expect(erlangC(c, a)).toBeCloseTo(erlangCDirect(c, a), 9);
    }
  });
  it('refuses unstable or malformed queues', () => {
    expect(() => erlangC(2, 2)).toThrow(RangeError);
    expect(() => erlangC(0, 0.1)).toThrow(RangeError);
    expect(() => erlangC(2.5, 1)).toThrow(RangeError);
  });
});

describe('analyzeQueueing', () => {
  it("checks Little's law and measures utilisation; with W ≤ C the predicted pool wait is 0, not Erlang C", () => {
    const band = makeBand(1, { workers: 10, connections: 20, tps: 1000, noise: 0 });
    const q = analyzeQueueing([band]).bands[0]!;
    // Factory: R = W/X = 10 ms, S = min(W,C)/X = 10 ms.
    expect(q.littles_law_n).toBeCloseTo(10, 9);
    expect(q.littles_law_error).toBeCloseTo(0, 9);
    expect(q.service_time_ms).toBeCloseTo(10, 9);
    expect(q.service_rate).toBeCloseTo(100, 9);
    expect(q.utilization).toBeCloseTo(0.5, 9); // X·S/C = 1000·0.01/20, measured, not 1
    expect(q.predicted_pool_wait_ms).toBe(0);
    expect(q.erlang_c_probability).toBeNull();
    expect(q.prediction_method).toBe('no-pool-queue');
    expect(q.observed_pool_wait_ms).toBeCloseTo(0, 9);
    expect(q.evidence).toMatch(/10 workers ≤ 20 connections/);
  });
  it('a real W = C band at ρ ≈ 0.995 predicts 0 ms of pool wait, not hundreds of seconds', () => {
    // Band 1 of a real tpcb scan (1 worker, 1 connection): the open M/M/1 formula gives ρ/(μ − λ) ≈ 824 ms
    // while the observed wait was 0.002 ms; a closed loop with W ≤ C cannot queue for the pool at all.
    const band = makeBand(1, { workers: 1, connections: 1, tps: 241.4, noise: 0 });
    band.service_time.mean_ms = 4.122;
    band.latency.mean_ms = 4.124;
    band.pool_wait.mean_ms = 0.0024;
    const q = analyzeQueueing([band]).bands[0]!;
    expect(q.utilization).toBeCloseTo(0.995, 3);
    expect(q.predicted_pool_wait_ms).toBe(0);
    expect(q.open_model_pool_wait_ms).toBeNull();
    expect(q.erlang_c_probability).toBeNull();
  });
  it('W > C at moderate load: the open M/M/c (Erlang C) wait, below the closed-loop bound', () => {
    const band = makeBand(1, { workers: 12, connections: 10, tps: 500, noise: 0 });
    band.service_time.mean_ms = 10; // a = X·S = 5 Erlangs on c = 10, ρ = 0.5
    const q = analyzeQueueing([band]).bands[0]!;
    const pc = erlangC(10, 5);
    expect(q.utilization).toBeCloseTo(0.5, 12);
    expect(q.erlang_c_probability).toBeCloseTo(pc, 12);
    expect(q.predicted_pool_wait_ms).toBeCloseTo((pc / (10 * 100 - 500)) * 1000, 9);
    expect(q.closed_loop_bound_ms).toBeCloseTo(((12 - 10) * 10) / 10, 12);
    expect(q.prediction_method).toBe('erlang-c');
  });
  it('W > C near ρ = 1: the open-model wait is capped by the closed-loop bound (W − C)·S/C', () => {
    const band = makeBand(1, { workers: 40, connections: 10, tps: 1000, noise: 0 });
    band.service_time.mean_ms = 9.9; // ρ = 0.99
    const q = analyzeQueueing([band]).bands[0]!;
    const pc = erlangC(10, 9.9);
    const open = (pc / (10 * (1000 / 9.9) - 1000)) * 1000;
    const bound = ((40 - 10) * 9.9) / 10;
    expect(open).toBeGreaterThan(bound);
    expect(q.open_model_pool_wait_ms).toBeCloseTo(open, 9);
    expect(q.predicted_pool_wait_ms).toBeCloseTo(bound, 12);
    expect(q.prediction_method).toBe('closed-loop-bound');
    expect(q.prediction_reason).toMatch(/capped/);
  });
  it('ρ ≥ 1 with W > C predicts the closed-loop bound, which matches a saturated closed loop', () => {
    const band = makeBand(1, { workers: 40, connections: 10, tps: 1000, noise: 0 }); // S = 10 ms, ρ = 1
    const q = analyzeQueueing([band]).bands[0]!;
    expect(q.utilization).toBeCloseTo(1, 9);
    expect(q.erlang_c_probability).toBeNull();
    expect(q.open_model_pool_wait_ms).toBeNull();
    // (40 − 10)·10/10 = 30 ms, and the factory's pool wait is R − S = 40 − 10 = 30 ms.
    expect(q.predicted_pool_wait_ms).toBeCloseTo(30, 9);
    expect(q.observed_pool_wait_ms).toBeCloseTo(30, 9);
    expect(q.evidence).toMatch(/ρ = 1\.000 ≥ 1/);
  });
  it('never reports utilisation above 1: window-edge overshoot is clipped, and said', () => {
    const band = makeBand(1, { workers: 32, connections: 32, tps: 400.9, noise: 0 });
    band.service_time.mean_ms = (32 / 400.9) * 1000 * 1.0009; // raw X·S/C = 1.0009, as in a real scan
    const q = analyzeQueueing([band]).bands[0]!;
    expect(q.utilization).toBe(1);
    expect(q.evidence).toMatch(/raw X·S\/C = 1\.0009 is clipped to 1/);
    const s = summarizeBand(band, SETTINGS);
    expect(s.stats.connection_utilization).toBe(1);
  });
  it('labels pool-bound, client-bound, and server classes from wait events, quoting evidence', () => {
    const pool = makeBand(1, { workers: 40, connections: 10, tps: 1000, noise: 0 }); // pool wait 30 of 40 ms
    const client = makeBand(2, {
      workers: 10,
      connections: 10,
      tps: 1000,
      noise: 0,
      overrides: {
        client: { event_loop_utilization: 0.97, event_loop_delay_p99_ms: 30, cpu_us_per_tx: 900, client_bound: true },
      },
    });
    const pg = (events: { wait_event_type: string; wait_event: string | null; fraction: number }[]) => ({
      xact_commit: 1,
      xact_rollback: 0,
      blks_hit: 900,
      blks_read: 100,
      tup_returned: 0,
      tup_fetched: 0,
      tup_inserted: 0,
      tup_updated: 0,
      tup_deleted: 0,
      deadlocks: 0,
      temp_bytes: 0,
      wait_events: events,
      activity_samples: 500,
      top_statements: null,
    });
    const io = makeBand(3, {
      workers: 10,
      connections: 10,
      tps: 1000,
      noise: 0,
      overrides: {
        pg_stats: pg([
          { wait_event_type: 'CPU', wait_event: null, fraction: 0.2 },
          { wait_event_type: 'IO', wait_event: 'DataFileRead', fraction: 0.6 },
        ]),
      },
    });
    const lock = makeBand(4, {
      workers: 10,
      connections: 10,
      tps: 1000,
      noise: 0,
      overrides: {
        pg_stats: pg([
          { wait_event_type: 'Lock', wait_event: 'transactionid', fraction: 0.35 },
          { wait_event_type: 'LWLock', wait_event: 'BufferContent', fraction: 0.2 },
          { wait_event_type: 'CPU', wait_event: null, fraction: 0.3 },
        ]),
      },
    });
    const cpu = makeBand(5, {
      workers: 10,
      connections: 10,
      tps: 1000,
      noise: 0,
      overrides: {
        pg_stats: pg([
          { wait_event_type: 'CPU', wait_event: null, fraction: 0.8 },
          { wait_event_type: 'IO', wait_event: 'WALSync', fraction: 0.1 },
        ]),
      },
    });
    const plain = makeBand(6, { workers: 10, connections: 10, tps: 1000, noise: 0 });
    const qs = analyzeQueueing([pool, client, io, lock, cpu, plain]).bands;
    expect(qs.map((q) => q.bottleneck)).toEqual([
      'pool-bound',
      'client-bound',
      'server-io',
      'server-lock',
      'server-cpu',
      'server',
    ]);
    expect(qs[0]!.evidence).toMatch(/pool wait 30 ms of 40 ms mean latency \(75%\)/);
    expect(qs[1]!.evidence).toMatch(/0\.97/);
    expect(qs[2]!.evidence).toMatch(/60% IO/);
    expect(qs[3]!.evidence).toMatch(/55% locks/);
    expect(qs[4]!.evidence).toMatch(/80% on CPU/);
    expect(qs[5]!.evidence).toMatch(/no wait-event samples/);
  });
  it('reports utilisation once: band statistics and the queueing view agree, null when S = 0', () => {
    for (const s of [10, 0]) {
      const band = makeBand(1, { workers: 10, connections: 20, tps: 1000, noise: 0 });
      band.service_time.mean_ms = s;
      const q = analyzeQueueing([band]).bands[0]!;
      const stats = summarizeBand(band, SETTINGS).stats;
      expect(stats.connection_utilization).toBe(q.utilization);
      if (s === 0) expect(q.utilization).toBeNull();
      else expect(q.utilization).toBeCloseTo(0.5, 9); // X·S/C = 1000·0.01/20
    }
  });
  it('returns nulls, not NaN, when service time and latency are missing', () => {
    const band = makeBand(1, { workers: 20, connections: 10, tps: 0, noise: 0, seconds: 0 });
    const q = analyzeQueueing([band]).bands[0]!;
    expect(q.service_time_ms).toBeNull();
    expect(q.utilization).toBeNull();
    expect(q.predicted_pool_wait_ms).toBeNull();
    expect(q.littles_law_n).toBeNull();
    expect(q.evidence).toMatch(/service time missing/);
    // With W ≤ C no service time is needed: the pool cannot make anyone wait.
    const fits = analyzeQueueing([makeBand(2, { workers: 10, connections: 10, tps: 0, noise: 0, seconds: 0 })])
      .bands[0]!;
    expect(fits.predicted_pool_wait_ms).toBe(0);
  });
});
