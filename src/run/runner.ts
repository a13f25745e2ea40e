// The band runner. For each band: open exactly C connections (not timed, as pgbench does),
// start W workers sharing them, warm up, measure band_duration, stop, close, cool down.
// The hot path (one worker iteration) allocates nothing of its own beyond the workload's
// promise, takes a free connection synchronously and records into fixed-size histograms.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { maskSecrets } from '../db/mask.js';
import type { Logger } from '../log.js';
import { POOL_APPLICATION_NAME, openStatsSampler, type PgStatsSampler } from '../db/stats.js';
import type { BandPlan, BandSpec } from '../plan/types.js';
import type { BandResult, PgStatsDelta } from '../results/types.js';
import type { ProgressiveConfig } from '../config/types.js';
import type { Workload } from '../workload/types.js';
import { ClientThreads, runThreadCount, splitEvenly, type ClientThread, type ShareHandlers } from './client-threads.js';
import { assembleBandResult, logBandResult, type MeasuredBand } from './assemble-band.js';
import { BandRecorder } from './metrics.js';
import { ConnectionPool } from './pool.js';
import {
  BandControl,
  RateScheduler,
  closedLoopWorker,
  openLoopWorker,
  sleep,
  startLoopMonitor,
  type WorkerContext,
} from './worker-loop.js';

export interface RunOptions {
  plan: BandPlan;
  workload: Workload;
  clientConfig: pg.ClientConfig;
  /** How the run measures; what each band runs (rate, pipeline, error threshold) comes from the plan. */
  progressive: Pick<ProgressiveConfig, 'client_threads' | 'collect_pg_stats' | 'pg_stat_statements'>;
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

export const DEFAULT_RETRY_WINDOW_S = 15;
const CONNECT_TIMEOUT_MS = 10_000;
/** How long finishing workers may take after a band ends before their connections are cut. */
export const DRAIN_MS = 2000;
const DRAIN_ON_ABORT_MS = 500;

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

/** What a band's pool connects with: the run's client config, named, pipelined as planned, with a timeout. */
export function poolClientConfig(clientConfig: pg.ClientConfig, plan: Pick<BandPlan, 'pipeline'>): pg.ClientConfig {
  return {
    ...clientConfig,
    application_name: POOL_APPLICATION_NAME,
    // Lets a workload send all statements of an explicit transaction before the first answer
    // (see pipelineBlock); opt-in, since pgbench itself waits for each statement.
    pipeline: plan.pipeline,
    // Without a timeout a blackholed host would hang the band forever.
    connectionTimeoutMillis: clientConfig.connectionTimeoutMillis ?? CONNECT_TIMEOUT_MS,
  };
}

/** A band's own seed, so that bands of one run draw unrelated streams. */
export function bandSeed(seed: number, bandId: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + bandId * 0x85ebca6b) >>> 0;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
function formatSeconds(s: number): string {
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
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
  /** Notice kinds (severity + SQLSTATE, or message) already logged. */
  noticesSeen: Set<string>;
  /** Event loops a closed-loop band may use (1: the main thread only), and their threads. */
  threadCount: number;
  threads: ClientThreads;
  index: number;
  total: number;
  isLast: boolean;
}

async function runBand(band: BandSpec, run: RunContext): Promise<BandRun> {
  const { opts } = run;
  const { log, plan, workload } = opts;
  if (opts.signal?.aborted) return { result: null, stopReason: 'interrupted' };
  // Its tick timer runs until the finally below disposes of it.
  const control = new BandControl();
  const onAbort = (): void => {
    control.halt('interrupted');
  };
  opts.signal?.addEventListener('abort', onAbort);

  const clientConfig = poolClientConfig(opts.clientConfig, plan);
  const retryWindowMs = (opts.retryWindowS ?? DEFAULT_RETRY_WINDOW_S) * 1000;
  // With several event loops each runs a share of the workers on a share of the connections;
  // share 0 is this thread's. Workers keep their band-wide ids, so their random streams (and
  // pgbench's :client_id) do not depend on the split.
  const loops = Math.min(run.threadCount, band.workers, band.connections);
  const workerShares = splitEvenly(band.workers, loops);
  const connectionShares = splitEvenly(band.connections, loops);
  const remote: ClientThread[] = loops > 1 ? run.threads.take(loops - 1) : [];
  log.info(
    `🔄 Band ${run.index}/${run.total}: ${band.workers} workers, ${band.connections} connections` +
      (loops > 1 ? ` on ${loops} event loops` : ''),
  );
  const pool = new ConnectionPool({
    clientConfig,
    size: connectionShares[0]!,
    retryWindowMs,
    onFatal: (reason) => control.halt(reason),
    cancelled: () => control.stopReason !== null,
    debug: (line) => log.debug(maskSecrets(line, run.secrets)),
    onNotice: (notice) => {
      recorder.notice(notice.severity);
      reportFirstNotice(notice.severity, notice.code, notice.message);
    },
  });
  const recorder = new BandRecorder(plan.band_duration_s, loops > 1);
  /** The first notice of each kind is logged once per run, masked like errors. */
  const reportFirstNotice = (severity: string, code: string | undefined, message: string): void => {
    const kind = `${severity} ${code ?? message}`;
    if (run.noticesSeen.has(kind)) return;
    run.noticesSeen.add(kind);
    const line =
      `band ${band.band_id}: first ${severity}${code ? ` ${code}` : ''} ` +
      `notice: ${maskSecrets(message, run.secrets)}`;
    if (severity === 'WARNING') log.warn(line);
    else log.info(line);
  };
  let progressTimer: NodeJS.Timeout | null = null;
  let workers: Promise<void>[] = [];

  try {
    const seed = bandSeed(opts.seed ?? 1, band.band_id);
    const remoteCompleted = remote.map(() => 0);
    const shareHandlers = (k: number): ShareHandlers => ({
      halt: (reason) => control.halt(reason),
      firstError: (code, message) => reportFirstError(code, message),
      firstNotice: (severity, code, message) => reportFirstNotice(severity, code, message),
      debug: (line) => log.debug(maskSecrets(line, run.secrets)),
      progress: (completed) => {
        remoteCompleted[k] = completed;
      },
    });
    const reportFirstError = (code: string, message: string): void => {
      if (run.errorsSeen.has(code)) return;
      run.errorsSeen.add(code);
      log.warn(`band ${band.band_id}: first ${code} error: ${maskSecrets(message, run.secrets)}`);
    };
    try {
      let firstWorkerId = 1 + workerShares[0]!;
      const opening = remote.map((thread, k) => {
        const spec = {
          bandId: band.band_id,
          firstWorkerId,
          workers: workerShares[k + 1]!,
          connections: connectionShares[k + 1]!,
          seed,
          windowSeconds: plan.band_duration_s,
          clientConfig,
          retryWindowMs,
          workload: workload.portable!(),
        };
        firstWorkerId += spec.workers;
        return thread.open(spec, shareHandlers(k));
      });
      await Promise.all([pool.open(), ...opening]);
    } catch (error) {
      const message = maskSecrets((error as Error).message ?? String(error), run.secrets);
      return {
        result: null,
        stopReason:
          control.stopReason ?? `band ${band.band_id} could not open ${band.connections} connections: ${message}`,
      };
    }
    if (control.stopReason !== null) return { result: null, stopReason: control.stopReason };

    const ctx: WorkerContext = {
      pool,
      recorder,
      control,
      scheduler: plan.rate !== null && plan.rate > 0 ? new RateScheduler(plan.rate, performance.now(), seed) : null,
      onError: (code, error) => reportFirstError(code, error instanceof Error ? error.message : String(error)),
    };
    const loop = ctx.scheduler ? openLoopWorker : closedLoopWorker;
    workers = Array.from({ length: workerShares[0]! }, (_, i) =>
      loop(workload.createWorker(i + 1, seed), ctx).catch((error: unknown) => {
        log.debug(`worker ${i + 1} stopped: ${maskSecrets(String(error), run.secrets)}`);
      }),
    );
    for (const thread of remote) thread.begin();

    let phase = 'warming up';
    let phaseStart = performance.now();
    let phaseLength = plan.warmup_time_s;
    if (log.progress) {
      let lastCount = 0;
      let lastTime = performance.now();
      const progress = log.progress.bind(log);
      progressTimer = setInterval(() => {
        const now = performance.now();
        const completed = recorder.completedAnyPhase + remoteCompleted.reduce((a, b) => a + b, 0);
        const tps = ((completed - lastCount) * 1000) / (now - lastTime);
        lastCount = completed;
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
        log.warn(
          `band ${band.band_id}: PostgreSQL statistics not collected: ` +
            `${maskSecrets((error as Error).message, run.secrets)}`,
        );
      }
    }
    // Taken before the window opens: finding the offset may spin the loop for up to 2 ms.
    const clockOffsetMs = wallClockOffsetMs();
    const cpuStart = process.cpuUsage();
    const stopLoopMonitor = startLoopMonitor();
    phase = 'measuring';
    phaseStart = performance.now();
    phaseLength = plan.band_duration_s;
    for (const thread of remote) thread.window();
    recorder.startWindow(performance.now());
    // The wall-clock start of exactly this window, so started_at + duration_s matches what was measured.
    const startedAt = new Date(clockOffsetMs + recorder.windowStart).toISOString();
    await control.phase(plan.band_duration_s * 1000);
    recorder.endWindow(performance.now());
    const drainMs = control.stopReason === 'interrupted' ? DRAIN_ON_ABORT_MS : DRAIN_MS;
    const shareResults = Promise.all(remote.map((thread) => thread.end(drainMs)));
    // Awaited after this loop's drain; a thread that dies meanwhile must not count as unhandled.
    shareResults.catch(() => undefined);
    const endedEarly = control.stopReason !== null;
    const mainLoop = stopLoopMonitor();

    // Stop the workers: each finishes its transaction; stragglers are cut off by closing.
    control.stopping = true;
    pool.stopHandingOut();
    await Promise.race([Promise.all(workers), sleep(drainMs)]);
    let shares;
    try {
      shares = await shareResults;
    } catch (error) {
      // A share's numbers are lost with its thread: what is left would not be this band.
      return { result: null, stopReason: control.stopReason ?? (error as Error).message };
    }
    // CPU of every thread of the process, taken once all shares have stopped.
    const cpu = process.cpuUsage(cpuStart);
    recorder.absorb(shares.map((share) => share.snapshot));
    const loopFigures = [mainLoop, ...shares.map((share) => share.loop)];
    const replaced = pool.replaced + shares.reduce((sum, share) => sum + share.replaced, 0);
    // Every share's pool sees the same server go away: the longest view of it is the band's.
    const outageMs = Math.max(
      pool.outageMs(recorder.windowStart, recorder.windowEnd),
      ...shares.map((share) => share.outageMs),
    );

    if (samplerStarted && run.sampler) {
      try {
        pgStats = await run.sampler.end();
      } catch (error) {
        log.warn(
          `band ${band.band_id}: PostgreSQL statistics not collected: ` +
            `${maskSecrets((error as Error).message, run.secrets)}`,
        );
      }
    }

    const measured: MeasuredBand = {
      band,
      plan,
      recorder,
      scheduler: ctx.scheduler,
      startedAt,
      endedEarly,
      outageMs,
      cpu,
      loops,
      loopFigures,
      pgStats,
      secrets: run.secrets,
    };
    const result = assembleBandResult(measured);
    logBandResult(log, result, measured, control.stopReason, replaced);
    return { result, stopReason: control.stopReason };
  } finally {
    control.stopping = true;
    control.dispose();
    if (progressTimer) clearInterval(progressTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all([pool.close(), ...remote.map((thread) => thread.close())]);
    // Closing rejects whatever was still in flight, so the workers end now.
    await Promise.race([Promise.all(workers), sleep(1000)]);
    recorder.destroy();
  }
}

/** Runs every band of the plan in order; never throws for database trouble mid-run, but
 *  returns what it measured, marked partial with the reason. */
export async function runBands(opts: RunOptions): Promise<RunOutcome> {
  const { log, plan, progressive } = opts;
  const secrets =
    typeof opts.clientConfig.password === 'string' && opts.clientConfig.password ? [opts.clientConfig.password] : [];
  const bands: BandResult[] = [];
  let partialReason: string | null = null;

  // The caller prints the run's header ("🎯 Starting progressive scaling test…"); bands are ours.
  if (plan.rate !== null) log.info(`⏱️  Open-loop rate: ${plan.rate} TPS per band`);

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

  const threadCount = runThreadCount(progressive.client_threads, plan.rate, opts.workload, opts.clientConfig);
  const run: RunContext = {
    opts,
    secrets,
    sampler,
    errorsSeen: new Set(),
    noticesSeen: new Set(),
    threadCount,
    threads: new ClientThreads(),
    index: 0,
    total: plan.bands.length,
    isLast: false,
  };
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
    await Promise.all([sampler?.close(), run.threads.terminate()]);
  }

  if (partialReason !== null) {
    log.warn(`run stopped early: ${partialReason}; ${bands.length} band(s) measured are kept`);
  }
  const best = bands.reduce<BandResult | null>(
    (top, b) => (top === null || b.total_tps > top.total_tps ? b : top),
    null,
  );
  // A band that committed nothing has no throughput to crown; the run's health lines say why.
  if (best && best.transactions > 0) {
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
