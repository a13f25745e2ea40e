// The band result's formulas against worked examples. TPS and QPS follow pgbench's definition
// (committed transactions, resp. statements, over the measured window); the degraded rule is the
// runner's: error rate over the threshold, nothing committed, or an outage in the window.
import { describe, expect, it } from 'vitest';
import {
  CLIENT_BOUND_ELU,
  bandErrorRate,
  bandQps,
  bandTps,
  cpuPerTransaction,
  isClientBound,
  isDegraded,
} from '../../../src/run/band-result.js';

describe('bandTps and bandQps', () => {
  it('1500 committed in a 30 s window is 1500 / 30 = 50 TPS; 4500 statements is 150 QPS', () => {
    expect(bandTps(1500, 30)).toBe(50);
    expect(bandQps(4500, 30)).toBe(150);
  });
  it('an empty window gives 0, not a division by zero', () => {
    expect(bandTps(10, 0)).toBe(0);
    expect(bandQps(10, 0)).toBe(0);
  });
});

describe('bandErrorRate', () => {
  it('5 failed of 95 + 5 attempted is 5 / 100 = 0.05', () => {
    expect(bandErrorRate(95, 5)).toBe(0.05);
  });
  it('is 0 when nothing was attempted, 1 when everything failed', () => {
    expect(bandErrorRate(0, 0)).toBe(0);
    expect(bandErrorRate(0, 7)).toBe(1);
  });
});

describe('isDegraded', () => {
  const healthy = { errorRate: 0.01, maxErrorRate: 0.05, committed: 100, outageMs: 0 };
  it('is false for a band within the threshold that committed and saw no outage', () => {
    expect(isDegraded(healthy)).toBe(false);
  });
  it('an error rate above the threshold degrades; one equal to it does not', () => {
    expect(isDegraded({ ...healthy, errorRate: 0.06 })).toBe(true);
    expect(isDegraded({ ...healthy, errorRate: 0.05 })).toBe(false);
  });
  it('a band that committed nothing is degraded even with a threshold of 1', () => {
    expect(isDegraded({ ...healthy, errorRate: 0, maxErrorRate: 1, committed: 0 })).toBe(true);
  });
  it('any outage in the window degrades the band', () => {
    expect(isDegraded({ ...healthy, outageMs: 1 })).toBe(true);
  });
});

describe('isClientBound', () => {
  it('is true above 90 % event-loop utilisation only', () => {
    expect(CLIENT_BOUND_ELU).toBe(0.9);
    expect(isClientBound(0.95)).toBe(true);
    expect(isClientBound(0.9)).toBe(false);
  });
});

describe('cpuPerTransaction', () => {
  it('2 s of CPU (2 000 000 µs) over 40 000 committed is 50 µs each; null without a commit', () => {
    expect(cpuPerTransaction(2_000_000, 40_000)).toBe(50);
    expect(cpuPerTransaction(2_000_000, 0)).toBeNull();
  });
});
