// The operational laws against hand-worked examples (Lazowska et al., "Quantitative System
// Performance", 1984, chapter 3; Little, 1961). Each expected value is worked out in the comment.
import { describe, expect, it } from 'vitest';
import {
  attemptedThroughput,
  databaseConcurrency,
  littlesLaw,
  offeredLoad,
  utilisation,
} from '../../../src/analyze/laws.js';

describe('attemptedThroughput', () => {
  it('counts failed transactions with the committed ones: (950 + 50) / 10 s = 100/s', () => {
    expect(attemptedThroughput({ transactions: 950, failed_transactions: 50, duration_s: 10, total_tps: 95 })).toBe(
      100,
    );
  });
  it('falls back to the committed TPS without a window, and to null without that', () => {
    expect(attemptedThroughput({ transactions: 950, failed_transactions: 50, duration_s: 0, total_tps: 95 })).toBe(95);
    expect(attemptedThroughput({ transactions: 0, failed_transactions: 0, duration_s: 10, total_tps: 0 })).toBe(0);
    expect(
      attemptedThroughput({ transactions: 0, failed_transactions: 0, duration_s: 10, total_tps: Number.NaN }),
    ).toBeNull();
  });
});

describe('offeredLoad', () => {
  it('a = X·S: 400/s × 5 ms = 400 × 0.005 = 2 Erlangs', () => {
    expect(offeredLoad(400, 5)).toBe(2);
  });
});

describe('utilisation', () => {
  it('ρ = X·S/C: 400/s × 5 ms over 4 connections = 2 / 4 = 0.5', () => {
    expect(utilisation(400, 5, 4)).toBe(0.5);
  });
  it('is not clipped: 1010/s × 1 ms on 1 connection = 1.01', () => {
    expect(utilisation(1010, 1, 1)).toBeCloseTo(1.01, 12);
  });
  it('is null without a throughput, a service time or a connection', () => {
    expect(utilisation(null, 5, 4)).toBeNull();
    expect(utilisation(400, null, 4)).toBeNull();
    expect(utilisation(400, 5, 0)).toBeNull();
  });
});

describe('littlesLaw', () => {
  it('N = X·R: 1000/s × 8 ms = 1000 × 0.008 = 8 in the system', () => {
    expect(littlesLaw(1000, 8)).toBe(8);
  });
  it('agrees with the utilisation law on the servers alone: N_busy = X·S = a', () => {
    expect(littlesLaw(400, 5)).toBe(offeredLoad(400, 5));
  });
});

describe('databaseConcurrency', () => {
  it('min(W, C): 32 workers on 8 connections keep 8 busy; 4 workers on 8 keep 4', () => {
    expect(databaseConcurrency(32, 8)).toBe(8);
    expect(databaseConcurrency(4, 8)).toBe(4);
  });
});
