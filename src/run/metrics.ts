// What one band measured, recorded on the hot path with fixed memory: three HDR histograms
// (end-to-end latency, pool wait, service time, in microseconds), counters, a per-second series
// errors by SQLSTATE and server notices by severity. Only what happens inside the measured window
// is recorded.

import * as hdr from 'hdr-histogram-js';
import type { ErrorExample, LatencySummary } from '../results/types.js';

/** One hour in microseconds: anything longer is clamped (and would be a broken band anyway). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function newLatencyHistogram(significantDigits: 2 | 3 = 3): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: significantDigits,
  });
}

function toMicros(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 0 ? 0 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : us;
}

/**
 * Mean is exact (from the running sum); percentiles come from the histogram (3 significant digits).
 * With `sumSqMs` (running sum of squares) the standard deviation is exact too, and cheap:
 * hdr-histogram-js's stdDeviation walks every bucket through iterator objects, which took
 * 60–300 ms per histogram on the 2-core machine, time spent outside the planned bands.
 */
export function summarise(histogram: hdr.Histogram, sumMs: number, sumSqMs?: number): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) {
    return { count: 0, mean_ms: null, stddev_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null };
  }
  const mean = sumMs / count;
  return {
    count,
    mean_ms: mean,
    stddev_ms:
      sumSqMs === undefined ? histogram.stdDeviation / 1000 : Math.sqrt(Math.max(0, sumSqMs / count - mean * mean)),
    p50_ms: histogram.getValueAtPercentile(50) / 1000,
    p95_ms: histogram.getValueAtPercentile(95) / 1000,
    p99_ms: histogram.getValueAtPercentile(99) / 1000,
    max_ms: histogram.maxValue / 1000,
  };
}

/** What a client thread's recorder measured, in a form that crosses threads (see absorb). */
export interface RecorderSnapshot {
  committed: number;
  failed: number;
  statements: number;
  latencySumMs: number;
  poolWaitSumMs: number;
  serviceSumMs: number;
  latencySumSqMs: number;
  poolWaitSumSqMs: number;
  serviceSumSqMs: number;
  latency: string;
  poolWait: string;
  service: string;
  perSecond: number[];
  /** Each second's latency histogram (compressed), null for a second without commits. */
  seconds: (string | null)[];
  errors: [string, number][];
  errorExamples: [string, ErrorExample][];
  notices: [string, number][];
}

const decode = (encoded: string): hdr.Histogram => hdr.decodeFromCompressedBase64(encoded, 32, false);

export class BandRecorder {
  /** True between the start and the end of the measured window. */
  measuring = false;
  windowStart = 0;
  windowEnd = 0;
  /** Completions of any phase, for the live progress line. */
  completedAnyPhase = 0;

  committed = 0;
  failed = 0;
  statements = 0;
  latencySumMs = 0;
  poolWaitSumMs = 0;
  serviceSumMs = 0;
  latencySumSqMs = 0;
  poolWaitSumSqMs = 0;
  serviceSumSqMs = 0;
  readonly latency = newLatencyHistogram();
  readonly poolWait = newLatencyHistogram();
  readonly service = newLatencyHistogram();
  readonly perSecond: Uint32Array;
  /** p95 latency (ms) of each whole second; NaN until that second is closed or when it had none. */
  readonly p95PerSecond: Float64Array;
  /** Latencies of the second in progress (2 significant digits is plenty for a per-second p95). */
  private readonly secondLatency = newLatencyHistogram(2);
  private currentSecond = 0;
  /** With keepSeconds: each closed second's latency histogram, so shares can be merged. */
  private readonly seconds: (string | null)[] | null;
  readonly errors = new Map<string, number>();
  /** The first failure of each code, as ErrorExample. */
  readonly errorExamples = new Map<string, ErrorExample>();
  /** NoticeResponses (NOTICE, WARNING, …) by severity. */
  readonly notices = new Map<string, number>();

  lagSumMs = 0;
  lagMaxMs = 0;
  lagCount = 0;
  lastLagMs = 0;

  /** keepSeconds: keep every second's histogram, for a band measured by several threads. */
  constructor(windowSeconds: number, keepSeconds = false) {
    // One spare slot: completions in the final partial second land there and are dropped later.
    this.perSecond = new Uint32Array(Math.ceil(windowSeconds) + 2);
    this.p95PerSecond = new Float64Array(this.perSecond.length).fill(Number.NaN);
    this.seconds = keepSeconds ? new Array<string | null>(this.perSecond.length).fill(null) : null;
  }

  /** Completions arrive in time order, so a second is final once a later one starts. */
  private closeSecond(): void {
    if (this.secondLatency.totalCount > 0) {
      this.p95PerSecond[this.currentSecond] = this.secondLatency.getValueAtPercentile(95) / 1000;
      if (this.seconds !== null) this.seconds[this.currentSecond] = hdr.encodeIntoCompressedBase64(this.secondLatency);
      this.secondLatency.reset();
    }
  }

  /** Everything measured, for the main thread to absorb; closes the second in progress. */
  snapshot(): RecorderSnapshot {
    this.closeSecond();
    return {
      committed: this.committed,
      failed: this.failed,
      statements: this.statements,
      latencySumMs: this.latencySumMs,
      poolWaitSumMs: this.poolWaitSumMs,
      serviceSumMs: this.serviceSumMs,
      latencySumSqMs: this.latencySumSqMs,
      poolWaitSumSqMs: this.poolWaitSumSqMs,
      serviceSumSqMs: this.serviceSumSqMs,
      latency: hdr.encodeIntoCompressedBase64(this.latency),
      poolWait: hdr.encodeIntoCompressedBase64(this.poolWait),
      service: hdr.encodeIntoCompressedBase64(this.service),
      perSecond: Array.from(this.perSecond),
      seconds: this.seconds ?? [],
      errors: [...this.errors],
      errorExamples: [...this.errorExamples],
      notices: [...this.notices],
    };
  }

  /**
   * Adds the shares other threads measured over the same window. Counts, sums and histograms add
   * exactly; each second's p95 comes from the merged histograms of that second, not from the
   * shares' p95s (percentiles do not add). Needs keepSeconds.
   */
  absorb(shares: RecorderSnapshot[]): void {
    if (shares.length === 0) return;
    this.closeSecond();
    for (const share of shares) {
      this.committed += share.committed;
      this.failed += share.failed;
      this.statements += share.statements;
      this.latencySumMs += share.latencySumMs;
      this.poolWaitSumMs += share.poolWaitSumMs;
      this.serviceSumMs += share.serviceSumMs;
      this.latencySumSqMs += share.latencySumSqMs;
      this.poolWaitSumSqMs += share.poolWaitSumSqMs;
      this.serviceSumSqMs += share.serviceSumSqMs;
      for (const [own, encoded] of [
        [this.latency, share.latency],
        [this.poolWait, share.poolWait],
        [this.service, share.service],
      ] as const) {
        const other = decode(encoded);
        own.add(other);
        other.destroy();
      }
      const n = Math.min(this.perSecond.length, share.perSecond.length);
      for (let i = 0; i < n; i++) this.perSecond[i] = this.perSecond[i]! + share.perSecond[i]!;
      for (const [code, count] of share.errors) this.errors.set(code, (this.errors.get(code) ?? 0) + count);
      for (const [code, example] of share.errorExamples)
        if (!this.errorExamples.has(code)) this.errorExamples.set(code, example);
      for (const [severity, count] of share.notices)
        this.notices.set(severity, (this.notices.get(severity) ?? 0) + count);
    }
    const own = this.seconds ?? [];
    for (let i = 0; i < this.p95PerSecond.length; i++) {
      const parts = [own[i] ?? null, ...shares.map((share) => share.seconds[i] ?? null)].filter(
        (e): e is string => e !== null,
      );
      if (parts.length === 0) continue;
      const merged = decode(parts[0]!);
      for (const encoded of parts.slice(1)) {
        const other = decode(encoded);
        merged.add(other);
        other.destroy();
      }
      this.p95PerSecond[i] = merged.getValueAtPercentile(95) / 1000;
      merged.destroy();
    }
  }

  startWindow(now: number): void {
    this.windowStart = now;
    this.measuring = true;
  }

  endWindow(now: number): void {
    this.windowEnd = now;
    this.measuring = false;
  }

  /**
   * A committed transaction. Latency runs from `scheduled` (the start a closed loop asked for,
   * or the rate schedule's slot, so a late start counts against us); pool wait from `started`.
   */
  commit(scheduled: number, started: number, acquired: number, ended: number, statements: number): void {
    this.completedAnyPhase++;
    if (!this.measuring) return;
    this.committed++;
    this.statements += statements;
    const latency = ended - scheduled;
    const wait = acquired - started;
    const service = ended - acquired;
    this.latencySumMs += latency;
    this.poolWaitSumMs += wait;
    this.serviceSumMs += service;
    this.latencySumSqMs += latency * latency;
    this.poolWaitSumSqMs += wait * wait;
    this.serviceSumSqMs += service * service;
    this.latency.recordValue(toMicros(latency));
    this.poolWait.recordValue(toMicros(wait));
    this.service.recordValue(toMicros(service));
    let second = Math.floor((ended - this.windowStart) / 1000);
    if (second < 0) second = 0;
    if (second >= this.perSecond.length) second = this.perSecond.length - 1;
    this.perSecond[second] = (this.perSecond[second] as number) + 1;
    if (second > this.currentSecond) {
      this.closeSecond();
      this.currentSecond = second;
    }
    this.secondLatency.recordValue(toMicros(latency));
  }

  /** A failed transaction; `error` is kept as the code's example the first time the code is seen. */
  fail(code: string, error?: unknown): void {
    this.completedAnyPhase++;
    if (!this.measuring) return;
    this.failed++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    if (!this.errorExamples.has(code)) this.errorExamples.set(code, errorExample(error));
  }

  /** A notice the server sent on a pool connection. */
  notice(severity: string): void {
    if (!this.measuring) return;
    this.notices.set(severity, (this.notices.get(severity) ?? 0) + 1);
  }

  /** Rate mode: how late a transaction started against its schedule. */
  lag(ms: number): void {
    this.lastLagMs = ms;
    if (!this.measuring) return;
    this.lagSumMs += ms;
    this.lagCount++;
    if (ms > this.lagMaxMs) this.lagMaxMs = ms;
  }

  /**
   * Committed transactions in each whole second of the window. A window that ends a few
   * milliseconds short of a whole second (timer granularity) still counts that second: dropping
   * it would lose a full second of samples to save a bias under 2% in one of them.
   */
  series(windowSeconds: number): number[] {
    return Array.from(this.perSecond.subarray(0, this.wholeSeconds(windowSeconds)));
  }

  /** p95 latency (ms) of each whole second of the window, null for a second without commits. */
  p95Series(windowSeconds: number): (number | null)[] {
    this.closeSecond();
    return Array.from(this.p95PerSecond.subarray(0, this.wholeSeconds(windowSeconds)), (v) =>
      Number.isNaN(v) ? null : v,
    );
  }

  private wholeSeconds(windowSeconds: number): number {
    return Math.min(Math.floor(windowSeconds + 0.02), this.perSecond.length);
  }

  histogramBase64(): string {
    return hdr.encodeIntoCompressedBase64(this.latency);
  }

  destroy(): void {
    this.latency.destroy();
    this.poolWait.destroy();
    this.service.destroy();
    this.secondLatency.destroy();
  }
}

const EXAMPLE_MESSAGE_CHARS = 300;

/** A failure as an ErrorExample; the runner masks secrets in the message before it leaves the band. */
export function errorExample(error: unknown): ErrorExample {
  const e = error as { message?: unknown; statement?: unknown } | null | undefined;
  const raw = e && typeof e.message === 'string' ? e.message : String(error);
  const message = raw.replace(/\s+/g, ' ').trim();
  return {
    message: message.length > EXAMPLE_MESSAGE_CHARS ? `${message.slice(0, EXAMPLE_MESSAGE_CHARS - 1)}…` : message,
    statement: e && typeof e.statement === 'string' ? e.statement : null,
  };
}
