// The band runner. For each band: open exactly C connections (not timed, as pgbench does),
// start W workers sharing them, warm up, measure band_duration, stop, close, cool down.
// The hot path (one worker iteration) allocates nothing of its own beyond the workload's
// promise, takes a free connection synchronously and records into fixed-size histograms.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createRandom, type Random } from '../analyze/random.js';
import { maskSecrets } from '../db/mask.js';
import { POOL_APPLICATION_NAME, openStatsSampler, type PgStatsSampler } from '../db/stats.js';
import type { BandPlan, BandResult, BandSpec, PgStatsDelta, ProgressiveConfig, RateSchedule } from '../types.js';
import type { Workload, WorkerSession } from '../workload/types.js';
import { BandRecorder, summarise } from './metrics.js';
import { ConnectionPool, type PooledConnection } from './pool.js';

export interface Logger {
  info(line: string): void;
  debug(line: string): void;
  warn(line: string): void;
  /** A live, overwritten progress line (terminals only). */
  progress?(line: string): void;
}

export interface RunOptions {
  plan: BandPlan;
  workload: Workload;
  clientConfig: pg.ClientConfig;
  progressive: ProgressiveConfig;
  signal?: AbortSignal;
  log: Logger;
  seed?: number;
  /** How long the server may stay unreachable before the run stops with partial results; default 15 s. */
  retryWindowS?: number;
  /** Called with each band as soon as it is measured (also partial ones), before the next starts. */
  onBand?(band: BandResult): void;
}

export interface RunOutcome {
  bands: BandResult[];
  partial: boolean;
  partial_reason: string | null;
}

/** Event-loop utilisation above which the generator, not the database, is the limit. */
export const CLIENT_BOUND_ELU = 0.9;
const DEFAULT_RETRY_WINDOW_S = 15;
const CONNECT_TIMEOUT_MS = 10_000;
/** How long finishing workers may take after a band ends before their connections are cut. */
const DRAIN_MS = 2000;
const DRAIN_ON_ABORT_MS = 500;
/** If timers have not run for this long, the loop is starved by workers that never do I/O. */
const STARVATION_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Wall clock minus monotonic clock, to a few microseconds. performance.timeOrigin drifts from the
 * wall clock by milliseconds in a long-lived process, and Date.now() is truncated to whole
 * milliseconds; at the instant Date.now() ticks over, though, it is exact. Spins ≤ 2 ms for that tick.
 */
function wallClockOffsetMs(): number {
  const first = Date.now();
  const deadline = performance.now() + 2;
  for (;;) {
    const wall = Date.now();
    const mono = performance.now();
    if (wall !== first || mono > deadline) return wall - mono;
  }
}

/** A band's own seed, so that bands of one run draw unrelated streams. */
function bandSeed(seed: number, bandId: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + bandId * 0x85ebca6b) >>> 0;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
function formatSeconds(s: number): string {
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

/** Stops a band: on abort, on a fatal pool error, or at the end of its phases. */
class BandControl {
  /** Workers leave their loop when this is set. */
  stopping = false;
  /** Why the run must stop after this band (null = it may go on). */
  stopReason: string | null = null;
  private wakeSleeper: (() => void) | null = null;
  /** Refreshed by a 10 ms timer; a stale value means workers are starving the event loop. */
  lastTimerTick = performance.now();

  halt(reason: string): void {
    this.stopReason ??= reason;
    this.wakeSleeper?.();
  }

  /** Sleeps for a phase; returns early when the run must stop. */
  phase(ms: number): Promise<void> {
    if (this.stopReason !== null || ms <= 0) return Promise.resolve();
    // libuv arms timers from its cached loop time, which lags behind performance.now() on a busy
    // loop, so a timer can fire tens of milliseconds early: re-arm until the phase really lasted ms.
    const target = performance.now() + ms;
    return new Promise((resolve) => {
      const self = this;
      let timer = setTimeout(onTimer, ms);
      function onTimer(): void {
        const left = target - performance.now();
        if (left > 0.5 && self.stopReason === null) timer = setTimeout(onTimer, Math.ceil(left));
        else done();
      }
      function done(): void {
        clearTimeout(timer);
        self.wakeSleeper = null;
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}

/** The open-loop schedule shared by a band's workers: exponential inter-arrival times. */
class RateScheduler {
  private next: number;
  private readonly meanMs: number;
  private readonly random: Random;

  constructor(targetTps: number, start: number, seed: number) {
    this.meanMs = 1000 / targetTps;
    this.random = createRandom(seed);
    this.next = start;
  }

  take(): number {
    const slot = this.next;
    this.next += -Math.log(1 - this.random.next()) * this.meanMs;
    return slot;
  }

  get meanInterArrivalMs(): number {
    return this.meanMs;
  }
}

function errorCode(error: unknown, connection: PooledConnection): string {
  const e = error as { code?: unknown; severity?: unknown } | null | undefined;
  // Server errors carry a severity; Node socket errors carry codes like EPIPE that look alike.
  if (e && typeof e.code === 'string' && typeof e.severity === 'string') return e.code;
  if (connection.broken) return 'CONNECTION';
  if (e && typeof e.code === 'string') {
    if (/^E[A-Z]+$/.test(e.code)) return 'CONNECTION';
    // The workload's own failures carry a code of their own (e.g. SCRIPT for a \set error).
    if (/^[A-Z0-9_]{1,32}$/.test(e.code)) return e.code;
  }
  const message = e instanceof Error ? e.message : '';
  if (/Connection terminated|not queryable|Client was closed/i.test(message)) return 'CONNECTION';
  return 'CLIENT';
}

async function rollbackQuietly(client: pg.Client): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection may be gone; the pool replaces it.
  }
}

interface WorkerContext {
  pool: ConnectionPool;
  recorder: BandRecorder;
  control: BandControl;
  scheduler: RateScheduler | null;
  onError(code: string, error: unknown): void;
}

async function yieldToLoop(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * One transaction on a pooled connection: acquire, run, release, record. Latency counts from
 * `scheduled` (the rate schedule's slot; `started` in a closed loop). False once the pool closed.
 */
async function transactOnce(session: WorkerSession, ctx: WorkerContext, scheduled: number, started: number): Promise<boolean> {
  const { pool, recorder } = ctx;
  let connection = pool.tryAcquire();
  if (connection === null) {
    connection = await pool.acquire();
    if (connection === null) return false;
  }
  const acquired = performance.now();
  let statements = 0;
  let failure: unknown = null;
  let failed = false;
  try {
    statements = await session.runTransaction(connection.client);
  } catch (error) {
    failed = true;
    failure = error;
  }
  if (!failed) {
    const ended = performance.now();
    pool.release(connection);
    recorder.commit(scheduled, started, acquired, ended, statements);
  } else {
    const code = errorCode(failure, connection);
    if (!connection.broken) await rollbackQuietly(connection.client);
    pool.release(connection);
    recorder.fail(code);
    ctx.onError(code, failure);
  }
  return true;
}

async function closedLoopWorker(session: WorkerSession, ctx: WorkerContext): Promise<void> {
  const { control } = ctx;
  while (!control.stopping) {
    const started = performance.now();
    if (started - control.lastTimerTick > STARVATION_MS) await yieldToLoop();
    if (!(await transactOnce(session, ctx, started, started))) return;
  }
}

async function openLoopWorker(session: WorkerSession, ctx: WorkerContext): Promise<void> {
  const { recorder, control } = ctx;
  const scheduler = ctx.scheduler as RateScheduler;
  while (!control.stopping) {
    const scheduled = scheduler.take();
    let started = performance.now();
    while (scheduled > started && !control.stopping) {
      await sleep(Math.min(scheduled - started, 100));
      started = performance.now();
    }
    if (control.stopping) return;
    recorder.lag(started - scheduled);
    if (!(await transactOnce(session, ctx, scheduled, started))) return;
  }
}

interface BandRun {
  result: BandResult | null;
  stopReason: string | null;
}

interface RunContext {
  opts: RunOptions;
  secrets: string[];
  sampler: PgStatsSampler | null;
  errorsSeen: Set<string>;
  index: number;
  total: number;
  isLast: boolean;
}

async function runBand(band: BandSpec, run: RunContext): Promise<BandRun> {
  const { opts } = run;
  const { log, plan, progressive, workload } = opts;
  const control = new BandControl();
  const onAbort = (): void => {
    control.halt('interrupted');
  };
  if (opts.signal?.aborted) return { result: null, stopReason: 'interrupted' };
  opts.signal?.addEventListener('abort', onAbort);

  log.info(`🔄 Band ${run.index}/${run.total}: ${band.workers} workers, ${band.connections} connections`);
  const pool = new ConnectionPool({
    clientConfig: {
      ...opts.clientConfig,
      application_name: POOL_APPLICATION_NAME,
      // Lets a workload send all statements of an explicit transaction before the first answer
      // (see pipelineBlock); opt-in, since pgbench itself waits for each statement.
      pipeline: opts.progressive.pipeline,
      // Without a timeout a blackholed host would hang the band forever.
      connectionTimeoutMillis: opts.clientConfig.connectionTimeoutMillis ?? CONNECT_TIMEOUT_MS,
    },
    size: band.connections,
    retryWindowMs: (opts.retryWindowS ?? DEFAULT_RETRY_WINDOW_S) * 1000,
    onFatal: (reason) => control.halt(reason),
    cancelled: () => control.stopReason !== null,
    debug: (line) => log.debug(maskSecrets(line, run.secrets)),
  });
  const recorder = new BandRecorder(plan.band_duration_s);
  const tickTimer = setInterval(() => {
    control.lastTimerTick = performance.now();
  }, 10);
  let progressTimer: NodeJS.Timeout | null = null;
  let workers: Promise<void>[] = [];

  try {
    try {
      await pool.open();
    } catch (error) {
      const message = maskSecrets((error as Error).message ?? String(error), run.secrets);
      return {
        result: null,
        stopReason: control.stopReason ?? `band ${band.band_id} could not open ${band.connections} connections: ${message}`,
      };
    }
    if (control.stopReason !== null) return { result: null, stopReason: control.stopReason };

    const seed = bandSeed(opts.seed ?? 1, band.band_id);
    const ctx: WorkerContext = {
      pool,
      recorder,
      control,
      scheduler: progressive.rate !== null && progressive.rate > 0 ? new RateScheduler(progressive.rate, performance.now(), seed) : null,
      onError: (code, error) => {
        if (run.errorsSeen.has(code)) return;
        run.errorsSeen.add(code);
        const message = error instanceof Error ? error.message : String(error);
        log.warn(`band ${band.band_id}: first ${code} error: ${maskSecrets(message, run.secrets)}`);
      },
    };
    const loop = ctx.scheduler ? openLoopWorker : closedLoopWorker;
    workers = Array.from({ length: band.workers }, (_, i) =>
      loop(workload.createWorker(i + 1, seed), ctx).catch((error: unknown) => {
        log.debug(`worker ${i + 1} stopped: ${maskSecrets(String(error), run.secrets)}`);
      }),
    );

    let phase = 'warming up';
    let phaseStart = performance.now();
    let phaseLength = plan.warmup_time_s;
    if (log.progress) {
      let lastCount = 0;
      let lastTime = performance.now();
      const progress = log.progress.bind(log);
      progressTimer = setInterval(() => {
        const now = performance.now();
        const tps = ((recorder.completedAnyPhase - lastCount) * 1000) / (now - lastTime);
        lastCount = recorder.completedAnyPhase;
        lastTime = now;
        const elapsed = Math.min(phaseLength, (now - phaseStart) / 1000);
        progress(
          `Band ${run.index}/${run.total} (${band.workers}w/${band.connections}c) ${phase} ` +
            `${Math.floor(elapsed)}/${formatSeconds(phaseLength)} · ${numberFormat.format(tps)} TPS` +
            (recorder.failed > 0 ? ` · ${recorder.failed} errors` : ''),
        );
      }, 1000);
      progressTimer.unref();
    }

    if (plan.warmup_time_s > 0) {
      log.info(`🔥 Warming up for ${formatSeconds(plan.warmup_time_s)}...`);
      await control.phase(plan.warmup_time_s * 1000);
    }
    if (control.stopReason !== null) {
      // Nothing was measured yet; there is no band to keep.
      return { result: null, stopReason: control.stopReason };
    }

    let pgStats: PgStatsDelta | null = null;
    let samplerStarted = false;
    if (run.sampler) {
      try {
        await run.sampler.begin();
        samplerStarted = true;
      } catch (error) {
        log.warn(`band ${band.band_id}: PostgreSQL statistics not collected: ${maskSecrets((error as Error).message, run.secrets)}`);
      }
    }
    // Taken before the window opens: finding the offset may spin the loop for up to 2 ms.
    const clockOffsetMs = wallClockOffsetMs();
    const cpuStart = process.cpuUsage();
    const eluStart = performance.eventLoopUtilization();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    phase = 'measuring';
    phaseStart = performance.now();
    phaseLength = plan.band_duration_s;
    recorder.startWindow(performance.now());
    // The wall-clock start of exactly this window, so started_at + duration_s matches what was measured.
    const startedAt = new Date(clockOffsetMs + recorder.windowStart).toISOString();
    await control.phase(plan.band_duration_s * 1000);
    recorder.endWindow(performance.now());
    const endedEarly = control.stopReason !== null;
    const elu = performance.eventLoopUtilization(eluStart).utilization;
    delay.disable();
    const cpu = process.cpuUsage(cpuStart);
    const delayP99Ms = delay.count > 0 ? delay.percentile(99) / 1e6 : null;

    // Stop the workers: each finishes its transaction; stragglers are cut off by closing.
    control.stopping = true;
    pool.stopHandingOut();
    const drained = Promise.all(workers);
    const drainMs = control.stopReason === 'interrupted' ? DRAIN_ON_ABORT_MS : DRAIN_MS;
    await Promise.race([drained, sleep(drainMs)]);

    if (samplerStarted && run.sampler) {
      try {
        pgStats = await run.sampler.end();
      } catch (error) {
        log.warn(`band ${band.band_id}: PostgreSQL statistics not collected: ${maskSecrets((error as Error).message, run.secrets)}`);
      }
    }

    const durationS = (recorder.windowEnd - recorder.windowStart) / 1000;
    const attempted = recorder.committed + recorder.failed;
    const errorRate = attempted > 0 ? recorder.failed / attempted : 0;
    let rate: RateSchedule | null = null;
    if (ctx.scheduler && progressive.rate !== null) {
      const threshold = Math.max(100, 10 * ctx.scheduler.meanInterArrivalMs);
      const held = recorder.lastLagMs <= threshold;
      rate = {
        target_tps: progressive.rate,
        lag_mean_ms: recorder.lagCount > 0 ? recorder.lagSumMs / recorder.lagCount : 0,
        lag_max_ms: recorder.lagMaxMs,
        held,
      };
      if (!held) {
        log.warn(
          `band ${band.band_id}: the target rate of ${progressive.rate} TPS could not be held ` +
            `(schedule lag reached ${numberFormat.format(recorder.lastLagMs)}ms); add workers or lower the rate`,
        );
      }
    }
    const result: BandResult = {
      band_id: band.band_id,
      workers: band.workers,
      connections: band.connections,
      status: endedEarly ? 'partial' : 'complete',
      started_at: startedAt,
      duration_s: durationS,
      transactions: recorder.committed,
      failed_transactions: recorder.failed,
      statements: recorder.statements,
      total_tps: durationS > 0 ? recorder.committed / durationS : 0,
      total_qps: durationS > 0 ? recorder.statements / durationS : 0,
      latency: summarise(recorder.latency, recorder.latencySumMs, recorder.latencySumSqMs),
      pool_wait: summarise(recorder.poolWait, recorder.poolWaitSumMs, recorder.poolWaitSumSqMs),
      service_time: summarise(recorder.service, recorder.serviceSumMs, recorder.serviceSumSqMs),
      tps_series: recorder.series(durationS),
      p95_series_ms: recorder.p95Series(durationS),
      latency_histogram: recorder.histogramBase64(),
      errors: Object.fromEntries([...recorder.errors].sort(([a], [b]) => a.localeCompare(b))),
      error_rate: errorRate,
      degraded: errorRate > progressive.max_error_rate,
      client: {
        event_loop_utilization: elu,
        event_loop_delay_p99_ms: delayP99Ms,
        cpu_us_per_tx: recorder.committed > 0 ? (cpu.user + cpu.system) / recorder.committed : null,
        client_bound: elu > CLIENT_BOUND_ELU,
      },
      pg_stats: pgStats,
      rate,
    };
    const latencyText = result.latency.mean_ms === null ? 'no completed transactions' : `${result.latency.mean_ms.toFixed(1)}ms avg latency`;
    log.info(
      `📊 Band ${band.band_id} completed: ${numberFormat.format(result.total_tps)} TPS, ${latencyText}` +
        (result.failed_transactions > 0 ? `, ${(errorRate * 100).toFixed(1)}% errors` : '') +
        (result.status === 'partial' ? ` (partial: ${control.stopReason ?? 'ended early'})` : ''),
    );
    if (result.degraded) {
      log.warn(`band ${band.band_id}: degraded, error rate ${(errorRate * 100).toFixed(1)}% exceeds ${(progressive.max_error_rate * 100).toFixed(1)}%`);
    }
    if (result.client.client_bound) {
      log.warn(
        `band ${band.band_id}: the load generator was saturated (event-loop utilisation ${elu.toFixed(2)}); ` +
          'this band measures pgscale, not PostgreSQL',
      );
    }
    if (pool.replaced > 0) log.info(`🔌 Band ${band.band_id}: replaced ${pool.replaced} broken connections`);
    return { result, stopReason: control.stopReason };
  } finally {
    control.stopping = true;
    clearInterval(tickTimer);
    if (progressTimer) clearInterval(progressTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close();
    // Closing rejects whatever was still in flight, so the workers end now.
    await Promise.race([Promise.all(workers), sleep(1000)]);
    recorder.destroy();
  }
}

/** Runs every band of the plan in order; never throws for database trouble mid-run, but
 *  returns what it measured, marked partial with the reason. */
export async function runBands(opts: RunOptions): Promise<RunOutcome> {
  const { log, plan, progressive } = opts;
  const secrets = typeof opts.clientConfig.password === 'string' && opts.clientConfig.password ? [opts.clientConfig.password] : [];
  const bands: BandResult[] = [];
  let partialReason: string | null = null;

  // The caller prints the run's header ("🎯 Starting progressive scaling test…"); bands are ours.
  if (progressive.rate !== null) log.info(`⏱️  Open-loop rate: ${progressive.rate} TPS per band`);

  let sampler: PgStatsSampler | null = null;
  if (progressive.collect_pg_stats) {
    try {
      sampler = await openStatsSampler(opts.clientConfig, {
        statements: progressive.pg_stat_statements,
        warn: (line) => log.warn(maskSecrets(line, secrets)),
        debug: (line) => log.debug(maskSecrets(line, secrets)),
      });
    } catch (error) {
      log.warn(`PostgreSQL statistics are not collected: ${maskSecrets((error as Error).message, secrets)}`);
    }
  }

  const run: RunContext = { opts, secrets, sampler, errorsSeen: new Set(), index: 0, total: plan.bands.length, isLast: false };
  try {
    for (let i = 0; i < plan.bands.length; i++) {
      const band = plan.bands[i] as BandSpec;
      if (opts.signal?.aborted) {
        partialReason = 'interrupted';
        break;
      }
      run.index = i + 1;
      run.isLast = i === plan.bands.length - 1;
      const outcome = await runBand(band, run);
      if (outcome.result) {
        bands.push(outcome.result);
        try {
          opts.onBand?.(outcome.result);
        } catch (error) {
          log.warn(`onBand handler failed: ${maskSecrets((error as Error).message, secrets)}`);
        }
      }
      if (outcome.stopReason !== null) {
        partialReason = outcome.stopReason;
        break;
      }
      if (!run.isLast && plan.cooldown_time_s > 0) {
        await interruptibleSleep(plan.cooldown_time_s * 1000, opts.signal);
      }
    }
  } finally {
    await sampler?.close();
  }

  if (partialReason !== null) {
    log.warn(`run stopped early: ${partialReason}; ${bands.length} band(s) measured are kept`);
  }
  const best = bands.reduce<BandResult | null>((top, b) => (top === null || b.total_tps > top.total_tps ? b : top), null);
  if (best) {
    log.info(
      `🏁 Highest throughput: band ${best.band_id} (${best.workers} workers, ${best.connections} connections) ` +
        `at ${numberFormat.format(best.total_tps)} TPS`,
    );
  }
  return { bands, partial: partialReason !== null, partial_reason: partialReason };
}

function interruptibleSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
