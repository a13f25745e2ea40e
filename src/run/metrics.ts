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

/** Milliseconds as whole microseconds, clamped to what the histograms track. */
export function toMicros(ms: number): number {
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
  /** Commits and each closed slice's latency histogram, per second and per 250 ms slice. */
  seconds: SliceSnapshot;
  slices: SliceSnapshot;
  errors: [string, number][];
  errorExamples: [string, ErrorExample][];
  notices: [string, number][];
}

const decode = (encoded: string): hdr.Histogram => hdr.decodeFromCompressedBase64(encoded, 32, false);

/** What one SliceSeries counted, in a form that crosses threads. */
export interface SliceSnapshot {
  counts: number[];
  /** Each slice's latency histogram (compressed), null for a slice without commits; empty unless kept. */
  histograms: (string | null)[];
}

/** Width of the sub-second slices (ms): short bands still give enough batches for an interval. */
export const SLICE_MS = 250;

/**
 * Commits and p95 latency in consecutive slices of the measured window (a second, or 250 ms). Commits
 * arrive in time order, so a slice is final once a later one starts; its p95 comes from its own
 * histogram (2 significant digits is plenty for one slice). With `keep`, each closed slice's histogram
 * is kept so that shares measured by other threads can be merged exactly (percentiles do not add).
 */
export class SliceSeries {
  readonly counts: Uint32Array;
  /** p95 latency (ms) of each slice; NaN until the slice is closed or when it had no commits. */
  readonly p95: Float64Array;
  private readonly open = newLatencyHistogram(2);
  private openIndex = 0;
  private readonly kept: (string | null)[] | null;

  constructor(
    readonly widthMs: number,
    windowSeconds: number,
    keep: boolean,
  ) {
    // One spare slot: completions in the final partial slice land there and are dropped later.
    this.counts = new Uint32Array(Math.ceil((windowSeconds * 1000) / widthMs) + 2);
    this.p95 = new Float64Array(this.counts.length).fill(Number.NaN);
    this.kept = keep ? new Array<string | null>(this.counts.length).fill(null) : null;
  }

  /** A commit `elapsedMs` after the window opened, with its latency in µs. */
  record(elapsedMs: number, latencyUs: number): void {
    let i = Math.floor(elapsedMs / this.widthMs);
    if (i < 0) i = 0;
    if (i >= this.counts.length) i = this.counts.length - 1;
    this.counts[i] = this.counts[i]! + 1;
    if (i > this.openIndex) {
      this.close();
      this.openIndex = i;
    }
    this.open.recordValue(latencyUs);
  }

  /** Closes the slice in progress. */
  close(): void {
    if (this.open.totalCount === 0) return;
    this.p95[this.openIndex] = this.open.getValueAtPercentile(95) / 1000;
    if (this.kept !== null) this.kept[this.openIndex] = hdr.encodeIntoCompressedBase64(this.open);
    this.open.reset();
  }

  snapshot(): SliceSnapshot {
    this.close();
    return { counts: Array.from(this.counts), histograms: this.kept ?? [] };
  }

  /** Adds other threads' shares of the same window: counts add, each slice's p95 from the merged histograms. */
  absorb(shares: readonly SliceSnapshot[]): void {
    if (shares.length === 0) return;
    this.close();
    for (const share of shares) {
      const n = Math.min(this.counts.length, share.counts.length);
      for (let i = 0; i < n; i++) this.counts[i] = this.counts[i]! + share.counts[i]!;
    }
    const own = this.kept ?? [];
    for (let i = 0; i < this.p95.length; i++) {
      const parts = [own[i] ?? null, ...shares.map((share) => share.histograms[i] ?? null)].filter(
        (e): e is string => e !== null,
      );
      if (parts.length === 0) continue;
      const merged = decode(parts[0]!);
      for (const encoded of parts.slice(1)) {
        const other = decode(encoded);
        merged.add(other);
        other.destroy();
      }
      this.p95[i] = merged.getValueAtPercentile(95) / 1000;
      merged.destroy();
    }
  }

  /**
   * How many whole slices the window holds. A window that ends a few milliseconds short of a whole
   * slice (timer granularity) still counts that slice: dropping it would lose a full slice of samples
   * to save a bias under 2% in one of them.
   */
  private whole(windowSeconds: number): number {
    return Math.min(Math.floor((windowSeconds * 1000 + 20) / this.widthMs), this.counts.length);
  }

  /** Commits in each whole slice of the window. */
  countSeries(windowSeconds: number): number[] {
    return Array.from(this.counts.subarray(0, this.whole(windowSeconds)));
  }

  /** p95 latency (ms) of each whole slice of the window, null for a slice without commits. */
  p95Series(windowSeconds: number): (number | null)[] {
    this.close();
    return Array.from(this.p95.subarray(0, this.whole(windowSeconds)), (v) => (Number.isNaN(v) ? null : v));
  }

  destroy(): void {
    this.open.destroy();
  }
}

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
  /** Commits and p95 per whole second (tps_series, p95_series_ms) and per 250 ms slice. */
  readonly seconds: SliceSeries;
  readonly slices: SliceSeries;
  readonly errors = new Map<string, number>();
  /** The first failure of each code, as ErrorExample. */
  readonly errorExamples = new Map<string, ErrorExample>();
  /** NoticeResponses (NOTICE, WARNING, …) by severity. */
  readonly notices = new Map<string, number>();

  lagSumMs = 0;
  lagMaxMs = 0;
  lagCount = 0;
  lastLagMs = 0;

  /** keepSeconds: keep every slice's histogram, for a band measured by several threads. */
  constructor(windowSeconds: number, keepSeconds = false) {
    this.seconds = new SliceSeries(1000, windowSeconds, keepSeconds);
    this.slices = new SliceSeries(SLICE_MS, windowSeconds, keepSeconds);
  }

  /** Everything measured, for the main thread to absorb; closes the second in progress. */
  snapshot(): RecorderSnapshot {
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
      seconds: this.seconds.snapshot(),
      slices: this.slices.snapshot(),
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
      for (const [code, count] of share.errors) this.errors.set(code, (this.errors.get(code) ?? 0) + count);
      for (const [code, example] of share.errorExamples)
        if (!this.errorExamples.has(code)) this.errorExamples.set(code, example);
      for (const [severity, count] of share.notices)
        this.notices.set(severity, (this.notices.get(severity) ?? 0) + count);
    }
    this.seconds.absorb(shares.map((share) => share.seconds));
    this.slices.absorb(shares.map((share) => share.slices));
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
    const latencyUs = toMicros(latency);
    this.latency.recordValue(latencyUs);
    this.poolWait.recordValue(toMicros(wait));
    this.service.recordValue(toMicros(service));
    this.seconds.record(ended - this.windowStart, latencyUs);
    this.slices.record(ended - this.windowStart, latencyUs);
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

  /** Committed transactions in each whole second of the window. */
  series(windowSeconds: number): number[] {
    return this.seconds.countSeries(windowSeconds);
  }

  /** p95 latency (ms) of each whole second of the window, null for a second without commits. */
  p95Series(windowSeconds: number): (number | null)[] {
    return this.seconds.p95Series(windowSeconds);
  }

  histogramBase64(): string {
    return hdr.encodeIntoCompressedBase64(this.latency);
  }

  destroy(): void {
    this.latency.destroy();
    this.poolWait.destroy();
    this.service.destroy();
    this.seconds.destroy();
    this.slices.destroy();
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
