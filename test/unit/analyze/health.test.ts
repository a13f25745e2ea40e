// runHealth: when a run stands, when it is a finding with degraded bands, and when it failed.
import { describe, expect, it } from 'vitest';
import { runHealth } from '../../../src/analyze/health.js';
import { healthFailure, healthLines } from '../../../src/report/health.js';
import { makeBand, makeDoc } from '../../support/analyze-factory.js';

const ok = (id: number, n: number) => makeBand(id, { workers: n, connections: n, tps: 1000, seconds: 10 });
const failing = (
  id: number,
  n: number,
  committed: number,
  failed: number,
  example = { message: 'deadlock detected', statement: 'tx.sql:4' },
) =>
  makeBand(id, {
    workers: n,
    connections: n,
    tps: 1000,
    seconds: 10,
    overrides: {
      transactions: committed,
      failed_transactions: failed,
      error_rate: failed / (committed + failed),
      errors: { '40P01': failed },
      error_examples: { '40P01': example },
      degraded: failed / (committed + failed) > 0.05 || committed === 0,
    },
  });

describe('runHealth', () => {
  it('is ok when no band is degraded, and still lists the codes of the few failures', () => {
    const h = runHealth(makeDoc([ok(1, 1), failing(2, 2, 10_000, 3)]));
    expect(h.status).toBe('ok');
    expect(h.degraded).toEqual([]);
    expect(h.failures).toEqual([{ code: '40P01', count: 3, message: 'deadlock detected', statement: 'tx.sql:4' }]);
    expect(healthFailure(h)).toBeNull();
  });

  it('is degraded, not failed, when some bands degrade but every band committed something', () => {
    const h = runHealth(makeDoc([ok(1, 1), ok(2, 2), failing(3, 64, 900, 100)]));
    expect(h.status).toBe('degraded');
    expect(h.degraded.map((b) => [b.band_id, b.reason])).toEqual([[3, '10.0% of transactions failed']]);
    expect(healthLines(h)[0]).toBe(
      '⚠️  1 band degraded: band 3 (64 workers, 64 connections): 10.0% of transactions failed.',
    );
  });

  it('fails when one band committed nothing, even if the others are clean', () => {
    const h = runHealth(makeDoc([ok(1, 1), failing(2, 2, 0, 5000)]));
    expect(h.status).toBe('failed');
    expect(h.reason).toBe('band 2 committed no transaction');
    expect(healthFailure(h)).toBe(
      'The run failed: band 2 committed no transaction. Most frequent failure: 40P01 ×5,000 at tx.sql:4: deadlock detected',
    );
  });

  it('fails when every band is degraded, and sums each code over the bands, most frequent first', () => {
    const a = failing(1, 1, 800, 200);
    const b = failing(2, 2, 700, 300, { message: 'other text', statement: 'tx.sql:9' });
    b.errors = { '40P01': 250, '08006': 50 };
    b.error_examples = { '08006': { message: 'connection lost', statement: null } };
    const h = runHealth(makeDoc([a, b]));
    expect(h.status).toBe('failed');
    expect(h.reason).toBe('every band is degraded');
    expect(h.failures).toEqual([
      // The first band's example is the code's example.
      { code: '40P01', count: 450, message: 'deadlock detected', statement: 'tx.sql:4' },
      { code: '08006', count: 50, message: 'connection lost', statement: null },
    ]);
  });

  it('hints at a cast when a bind parameter has no type the server can infer (42P18, unknown in 42883)', () => {
    const band = failing(1, 1, 0, 10, {
      message: 'could not determine data type of parameter $1',
      statement: 'j.sql:2',
    });
    band.errors = { '42P18': 10 };
    band.error_examples = {
      '42P18': { message: 'could not determine data type of parameter $1', statement: 'j.sql:2' },
    };
    const lines = healthLines(runHealth(makeDoc([band])));
    expect(lines).toContain('   42P18 ×10 at j.sql:2: could not determine data type of parameter $1');
    expect(lines.some((l) => l.includes('hint:') && l.includes('(:x::int)'))).toBe(true);
    // A deadlock gets no such hint.
    expect(healthLines(runHealth(makeDoc([failing(1, 1, 0, 10)]))).some((l) => l.includes('hint:'))).toBe(false);
  });

  it('fails when no band was measured', () => {
    expect(runHealth(makeDoc([]))).toMatchObject({ status: 'failed', reason: 'no band was measured' });
  });

  it('reads documents from older runners, which have no error examples', () => {
    const band = failing(1, 1, 0, 10);
    delete band.error_examples;
    expect(runHealth(makeDoc([band])).failures).toEqual([{ code: '40P01', count: 10, message: null, statement: null }]);
  });
});
