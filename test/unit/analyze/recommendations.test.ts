import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../../src/analyze/index.js';
import { differencePValue, tpsDifference } from '../../../src/analyze/marginal.js';
import { summarizeBand } from '../../../src/analyze/bands.js';
import { priorityFor, withinToleranceConfidence } from '../../../src/analyze/recommendations.js';
import { studentTCdf } from '../../../src/analyze/stats.js';
import type { PgStatsDelta } from '../../../src/results/types.js';
import { diagonalDoc, makeBand, makeDoc, NO_SLO, SETTINGS } from '../../support/analyze-factory.js';

const usl = (n: number) => (100 * n) / (1 + 0.02 * (n - 1) + 0.002 * n * (n - 1));

describe('recommendations', () => {
  it('over-saturation: expected gain and confidence come from the peak vs the worst degraded band', () => {
    const doc = diagonalDoc([1, 2, 4, 8, 16, 32, 64, 128], usl);
    const { analysis } = analyzeResults(doc, SETTINGS, NO_SLO);
    const rec = analysis.recommendations.find((r) => r.category === 'saturation')!;
    const peak = doc.bands.reduce((a, b) => (b.total_tps > a.total_tps ? b : a));
    const worst = doc.bands.at(-1)!; // 128 is the lowest past the peak
    expect(rec.expected_gain).toBeCloseTo(((peak.total_tps - worst.total_tps) / worst.total_tps) * 100, 9);
    const d = tpsDifference(summarizeBand(worst, SETTINGS), summarizeBand(peak, SETTINGS));
    expect(rec.confidence).toBeCloseTo(1 - differencePValue(d.diff, d.se, d.df)!, 12);
    expect(rec.priority).toBe('high');
    expect(rec.suggestion).toMatch(/Do not scale past the peak at 16 workers \/ 16 connections/);
  });
  it('worker count: the optimum against the smallest band, with a measured gain', () => {
    const doc = diagonalDoc([1, 2, 4, 8, 16, 32], (n) => 125 * Math.min(n, 8));
    const { analysis, optimal_config } = analyzeResults(doc, SETTINGS, NO_SLO);
    const rec = analysis.recommendations.find((r) => r.category === 'workers')!;
    const first = doc.bands[0]!.total_tps;
    expect(rec.expected_gain).toBeCloseTo(((optimal_config!.tps - first) / first) * 100, 9);
    expect(rec.confidence).toBeGreaterThan(0.999);
    expect(rec.suggestion).toMatch(/Run 8 workers \/ 8 connections \(band 4\)/);
  });
  it('pool-bound bands: raise the pool, with the gain measured at the same workers', () => {
    const rows: [number, number, number][] = [
      [40, 10, 1000],
      [40, 20, 1600],
      [40, 40, 1600],
    ];
    const doc = makeDoc(
      rows.map(([w, c, t], i) => makeBand(i + 1, { workers: w, connections: c, tps: t })),
      'linear',
    );
    const { analysis } = analyzeResults(doc, SETTINGS, NO_SLO);
    const rec = analysis.recommendations.find((r) => r.category === 'pool')!;
    expect(rec.suggestion).toMatch(/40 workers \/ 10 connections \(band 1\) pool wait/);
    expect(rec.expected_gain).toBeCloseTo(
      ((doc.bands[2]!.total_tps - doc.bands[0]!.total_tps) / doc.bands[0]!.total_tps) * 100,
      9,
    );
    expect(analysis.queueing_theory.bands[0]!.bottleneck).toBe('pool-bound');
    // The optimum is 20 connections (40 gives no significant gain), so sizing compares 20 with 40.
    const size = analysis.recommendations.find((r) => r.category === 'connections')!;
    expect(size.suggestion).toMatch(
      /Size the pool at 20 connections for 40 workers: 40 connections gave 1,\d{3} TPS vs 1,\d{3}/,
    );
    // 1,600 vs 1,600 is no significant loss, so the text must not claim one; the claim is "buys nothing",
    // and its confidence is how surely 40 connections stay within 5% of 20 (1% noise: near certain).
    expect(size.suggestion).toMatch(/not significant/);
    expect(size.suggestion).not.toMatch(/costs throughput/);
    expect(size.expected_gain).toBe(0);
    const opt = summarizeBand(doc.bands[1]!, SETTINGS);
    const big = summarizeBand(doc.bands[2]!, SETTINGS);
    expect(size.confidence).toBeCloseTo(withinToleranceConfidence(opt, big, SETTINGS.saturation_tolerance)!, 12);
    expect(size.confidence).toBeGreaterThan(0.99);
  });
  it('within-tolerance confidence: the one-sided t probability that the other band is not better by more than the tolerance', () => {
    const a = summarizeBand(makeBand(1, { workers: 8, connections: 8, tps: 1000 }), SETTINGS);
    const b = summarizeBand(makeBand(2, { workers: 16, connections: 16, tps: 1000 }), SETTINGS);
    const d = tpsDifference(a, b);
    expect(withinToleranceConfidence(a, b, 0.05)).toBeCloseTo(studentTCdf((0.05 * 1000 - d.diff) / d.se!, d.df!), 12);
    const noisy = summarizeBand(makeBand(3, { workers: 16, connections: 16, tps: 1000, noise: 0.5 }), SETTINGS);
    expect(withinToleranceConfidence(a, noisy, 0.05)!).toBeLessThan(0.9); // noise this large proves nothing
    expect(
      withinToleranceConfidence(
        a,
        summarizeBand(makeBand(4, { workers: 16, connections: 16, tps: 1000, seconds: 0 }), SETTINGS),
        0.05,
      ),
    ).toBeNull();
  });
  it('priorities follow confidence: high needs ≥ 0.9, medium ≥ 0.6, and never "high" on weak evidence', () => {
    expect(priorityFor(50, 0.95)).toBe('high');
    expect(priorityFor(50, 0.7)).toBe('medium');
    expect(priorityFor(50, 0.44)).toBe('low');
    expect(priorityFor(1, 0.99)).toBe('low');
    expect(priorityFor(null, 0.95, true)).toBe('high');
    expect(priorityFor(null, 0.95, false)).toBe('medium');
    expect(priorityFor(null, 0, true)).toBe('low');
  });
  it('system hints from wait events and client saturation', () => {
    const pg = (types: [string, number][]): PgStatsDelta => ({
      xact_commit: 1,
      xact_rollback: 0,
      blks_hit: 700,
      blks_read: 300,
      tup_returned: 0,
      tup_fetched: 0,
      tup_inserted: 0,
      tup_updated: 0,
      tup_deleted: 0,
      deadlocks: 2,
      temp_bytes: 0,
      activity_samples: 400,
      top_statements: null,
      wait_events: types.map(([t, f]) => ({ wait_event_type: t, wait_event: null, fraction: f })),
    });
    const bands = [
      makeBand(1, {
        workers: 1,
        connections: 1,
        tps: 100,
        overrides: {
          pg_stats: pg([
            ['IO', 0.7],
            ['CPU', 0.2],
          ]),
        },
      }),
      makeBand(2, {
        workers: 2,
        connections: 2,
        tps: 200,
        overrides: {
          pg_stats: pg([
            ['Lock', 0.6],
            ['CPU', 0.3],
          ]),
        },
      }),
      makeBand(3, {
        workers: 4,
        connections: 4,
        tps: 300,
        overrides: {
          client: { event_loop_utilization: 0.95, event_loop_delay_p99_ms: 20, cpu_us_per_tx: 300, client_bound: true },
        },
      }),
    ];
    const recs = analyzeResults(makeDoc(bands, 'exponential'), SETTINGS, NO_SLO).analysis.recommendations;
    const db = recs.filter((r) => r.category === 'database');
    expect(db).toHaveLength(2);
    expect(db[0]!.suggestion).toMatch(/shared_buffers \(now 128MB\)/);
    expect(db[0]!.suggestion).toMatch(/hit ratio there was 70%/);
    expect(db[0]!.confidence).toBeCloseTo(0.7, 12);
    expect(db[0]!.priority).toBe('medium'); // 0.7 < 0.9: never "high"
    expect(db[1]!.suggestion).toMatch(/hot rows/);
    expect(db[1]!.suggestion).toMatch(/2 deadlock/);
    expect(db[1]!.confidence).toBeCloseTo(0.6, 12);
    const client = recs.find((r) => r.category === 'client')!;
    expect(client.priority).toBe('high'); // the peak band is the client-bound one, ELU 0.95
    expect(client.suggestion).toMatch(/rate mode/);
    expect(client.confidence).toBeCloseTo(0.95, 12); // the measured event-loop utilisation, not a share of bands
    for (const r of recs) {
      if (r.priority === 'high') expect(r.confidence).toBeGreaterThanOrEqual(0.9);
      if (r.priority === 'medium') expect(r.confidence).toBeGreaterThanOrEqual(0.6);
    }
  });
  it('WAL flush waits get WAL advice, not shared_buffers (real tpcb wait events)', () => {
    const pg = (events: [string, string | null, number][]): PgStatsDelta => ({
      xact_commit: 1,
      xact_rollback: 0,
      blks_hit: 9800,
      blks_read: 200,
      tup_returned: 0,
      tup_fetched: 0,
      tup_inserted: 0,
      tup_updated: 0,
      tup_deleted: 0,
      deadlocks: 0,
      temp_bytes: 0,
      activity_samples: 80,
      top_statements: null,
      wait_events: events.map(([t, e, f]) => ({ wait_event_type: t, wait_event: e, fraction: f })),
    });
    // Band 2 of a real tpcb scan at scale 10: WALSync 67%, LWLock WALWrite 19%, CPU 8%, row locks 5%.
    const events = pg([
      ['IO', 'WALSync', 0.67],
      ['LWLock', 'WALWrite', 0.19],
      ['CPU', null, 0.08],
      ['Lock', 'transactionid', 0.05],
    ]);
    const bands = [1, 2, 4].map((n, i) =>
      makeBand(i + 1, { workers: n, connections: n, tps: 200 * Math.sqrt(n), overrides: { pg_stats: events } }),
    );
    const { analysis } = analyzeResults(makeDoc(bands, 'exponential'), SETTINGS, NO_SLO);
    expect(analysis.queueing_theory.bands[0]!.bottleneck).toBe('server-io');
    expect(analysis.queueing_theory.bands[0]!.evidence).toMatch(/WAL writes and flushes at commit/);
    const io = analysis.recommendations.find((r) => r.category === 'database')!;
    expect(io.suggestion).toMatch(/WAL/);
    expect(io.suggestion).toMatch(/synchronous_commit/);
    expect(io.suggestion).toMatch(/shared_buffers does not help/);
    expect(io.confidence).toBeCloseTo(0.86, 12);
  });
  it('every recommendation has a confidence in [0, 1] and a finite or null gain', () => {
    const { analysis } = analyzeResults(
      diagonalDoc([1, 2, 4, 8, 16, 32, 64, 128], usl, { seconds: 0 }),
      SETTINGS,
      NO_SLO,
    );
    expect(analysis.recommendations.length).toBeGreaterThan(0);
    for (const r of analysis.recommendations) {
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.expected_gain === null || Number.isFinite(r.expected_gain)).toBe(true);
    }
    // Without per-second series nothing is tested, so no recommendation claims confidence from a test.
    expect(analysis.recommendations.find((r) => r.category === 'saturation')!.confidence).toBe(0);
    expect(analysis.recommendations.find((r) => r.category === 'measurement')!.suggestion).toMatch(
      /lengthen band_duration/,
    );
  });
});
