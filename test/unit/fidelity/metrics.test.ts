// The band summary's standard deviation comes from running sums (exact and cheap) rather than
// from walking the histogram; it must agree with both the exact value and the histogram's.
import { describe, expect, it } from 'vitest';
import { BandRecorder, summarise } from '../../../src/run/metrics.js';

describe('BandRecorder summary', () => {
  it('gives the exact mean and standard deviation of the recorded latencies, consistent with the histogram', () => {
    const recorder = new BandRecorder(10);
    recorder.startWindow(0);
    const latencies: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const ms = 0.3 + ((i * 7919) % 997) / 50; // 0.3 … 20.2 ms, spread out
      latencies.push(ms);
      recorder.commit(0, 0, 0, ms, 1);
    }
    const n = latencies.length;
    const mean = latencies.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(latencies.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const fast = summarise(recorder.latency, recorder.latencySumMs, recorder.latencySumSqMs);
    const slow = summarise(recorder.latency, recorder.latencySumMs);
    expect(fast.count).toBe(n);
    expect(fast.mean_ms).toBeCloseTo(mean, 9);
    expect(fast.stddev_ms).toBeCloseTo(sd, 9);
    // The histogram's own figure is bucketed to 3 significant digits and microseconds.
    expect(Math.abs(slow.stddev_ms! - sd) / sd).toBeLessThan(0.005);
    // All of a band's latency is service time here (no pool wait).
    expect(summarise(recorder.service, recorder.serviceSumMs, recorder.serviceSumSqMs).stddev_ms).toBeCloseTo(sd, 9);
    expect(summarise(recorder.poolWait, recorder.poolWaitSumMs, recorder.poolWaitSumSqMs).stddev_ms).toBe(0);
    recorder.destroy();
  });
});

describe('per-second series', () => {
  it('keeps a window a few milliseconds short of whole seconds, and gives each second its own p95', () => {
    const recorder = new BandRecorder(3);
    recorder.startWindow(0);
    // Second 0: 100 transactions of 1..100 ms; second 1: 10 of 50 ms; second 2: none; second 3 (past the window): one.
    for (let i = 1; i <= 100; i++) recorder.commit(0, 0, 0, i * 9.9, 1);
    for (let i = 0; i < 10; i++) recorder.commit(1000 + i * 10, 1000 + i * 10, 1000 + i * 10, 1050 + i * 10, 1);
    recorder.commit(3000, 3000, 3000, 3001, 1);
    recorder.endWindow(2995);
    expect(recorder.series(2.995)).toEqual([100, 10, 0]);
    const p95 = recorder.p95Series(2.995);
    expect(p95).toHaveLength(3);
    // Latencies 9.9, 19.8, … 990 ms: the 95th of 100 is 940.5 ms (2 significant digits: within 1%).
    expect(p95[0]!).toBeGreaterThan(940.5 * 0.99);
    expect(p95[0]!).toBeLessThan(940.5 * 1.01);
    expect(p95[1]!).toBeCloseTo(50, 0);
    expect(p95[2]).toBeNull();
    recorder.destroy();
  });
});

describe('notices across client threads', () => {
  it('counts notices by severity inside the window only, and a thread’s share adds to the band’s', () => {
    const main = new BandRecorder(2, true);
    const share = new BandRecorder(2, true);
    main.notice('WARNING'); // before the window: not counted
    main.startWindow(0);
    share.startWindow(0);
    main.notice('WARNING');
    main.notice('NOTICE');
    share.notice('NOTICE');
    share.notice('NOTICE');
    share.notice('INFO');
    share.endWindow(2000);
    share.notice('INFO'); // after the window: not counted
    main.absorb([share.snapshot()]);
    expect(Object.fromEntries(main.notices)).toEqual({ WARNING: 1, NOTICE: 3, INFO: 1 });
    main.destroy();
    share.destroy();
  });
});
