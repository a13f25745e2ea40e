// One round of one band of a same-runner A/B run: both sides' pools open for the whole round, and
// the sides take turns of TURN_MS on the server in ABBA blocks (plan.ts), each block one paired
// observation. Pairs close in time cancel the machine's slow drift that reconnecting per round
// threw away. I/O lives here; what a block measured becomes an AbPair in runner.ts.
//
// Accounting: a side's transaction counts in its turn when it commits during the turn (the other
// side's in-flight transactions finish in the first milliseconds of a turn, alike for both sides);
// a turn's TPS is its commits over its measured length. Each side's BandRecorder sees only its
// turns, on a clock that runs during them, so its BandResult (per-second series included) is that
// of the side alone over its own active time.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { maskSecrets } from '../db/mask.js';
import type { Logger } from '../log.js';
import type { BandPlan, BandSpec } from '../plan/types.js';
import type { AbSideMeasurement, Side } from '../results/ab-types.js';
import type { BandResult } from '../results/types.js';
import { assembleBandResult } from '../run/assemble-band.js';
import { bandErrorRate, isClientBound } from '../run/band-result.js';
import { BandRecorder, newLatencyHistogram, toMicros } from '../run/metrics.js';
import { ConnectionPool } from '../run/pool.js';
import { DEFAULT_RETRY_WINDOW_S, DRAIN_MS, poolClientConfig } from '../run/runner.js';
import { BandControl, TurnGate, closedLoopWorker, sleep, startLoopMonitor } from '../run/worker-loop.js';
import type { Workload } from '../workload/types.js';
import { blockTurns, TURN_MS } from './plan.js';

/** One side of the round: its workload and its database. */
export interface InterleavedSide {
  workload: Workload;
  clientConfig: pg.ClientConfig;
}

export interface InterleaveRequest {
  band: BandSpec;
  plan: BandPlan;
  sides: Record<Side, InterleavedSide>;
  /** Which side opens the round's first block. */
  order: [Side, Side];
  blocks: number;
  warmupS: number;
  seed: number;
  signal?: AbortSignal | undefined;
  log: Logger;
  secrets: string[];
}

/** What one ABBA block measured of each side. */
export interface BlockMeasurement {
  index: number;
  first: Side;
  sides: Record<Side, AbSideMeasurement>;
}

export interface InterleavedRound {
  blocks: BlockMeasurement[];
  /** Each side's band over its own turns (null when nothing was measured). */
  results: Record<Side, BandResult | null>;
  stopReason: string | null;
}

/**
 * A side's transactions during its turns: into its recorder, and into the block's own tally. Its
 * clock (`clockMs`) advances only during the side's turns; the recorder's window runs on it.
 */
class TurnSink {
  private active = false;
  private commits = 0;
  private failed = 0;
  private turnStart = 0;
  /** The side's measured time so far, and at the start of the current block. */
  clockMs = 0;
  private blockStartMs = 0;
  private readonly block = newLatencyHistogram(2);

  constructor(readonly recorder: BandRecorder) {}

  openTurn(now: number): void {
    this.turnStart = now;
    this.recorder.startWindow(now - this.clockMs);
    this.active = true;
  }

  closeTurn(now: number): void {
    this.active = false;
    this.recorder.measuring = false;
    this.clockMs += now - this.turnStart;
  }

  commit(scheduled: number, started: number, acquired: number, ended: number, statements: number): void {
    this.recorder.commit(scheduled, started, acquired, ended, statements);
    if (!this.active) return;
    this.commits++;
    this.block.recordValue(toMicros(ended - scheduled));
  }

  fail(code: string, error?: unknown): void {
    this.recorder.fail(code, error);
    if (this.active) this.failed++;
  }

  lag(ms: number): void {
    this.recorder.lag(ms);
  }

  /** The block's figures, then a fresh tally for the next block. */
  take(): AbSideMeasurement {
    const activeMs = this.clockMs - this.blockStartMs;
    const m: AbSideMeasurement = {
      tps: activeMs > 0 ? (this.commits * 1000) / activeMs : 0,
      p95_ms: this.block.totalCount > 0 ? this.block.getValueAtPercentile(95) / 1000 : null,
      status: this.commits > 0 ? 'complete' : 'failed',
      client_bound: false,
      error_rate: bandErrorRate(this.commits, this.failed),
    };
    this.commits = 0;
    this.failed = 0;
    this.blockStartMs = this.clockMs;
    this.block.reset();
    return m;
  }

  destroy(): void {
    this.block.destroy();
  }
}

const SIDES: readonly Side[] = ['base', 'head'];

/** Measures one round of one band, both sides interleaved; never throws for database trouble. */
export async function measureInterleaved(request: InterleaveRequest): Promise<InterleavedRound> {
  const { band, plan, log, secrets } = request;
  const control = new BandControl();
  const onAbort = (): void => control.halt('interrupted');
  request.signal?.addEventListener('abort', onAbort);
  const windowS = (request.blocks * 2 * TURN_MS) / 1000 + 1;
  const state = {} as Record<Side, { pool: ConnectionPool; sink: TurnSink; gate: TurnGate; workers: Promise<void>[] }>;
  for (const side of SIDES) {
    const recorder = new BandRecorder(windowS);
    const pool = new ConnectionPool({
      clientConfig: poolClientConfig(request.sides[side].clientConfig, plan),
      size: band.connections,
      retryWindowMs: DEFAULT_RETRY_WINDOW_S * 1000,
      onFatal: (reason) => control.halt(`${side} side: ${reason}`),
      cancelled: () => control.stopReason !== null,
      debug: (line) => log.debug(maskSecrets(line, secrets)),
      onNotice: (notice) => recorder.notice(notice.severity),
    });
    state[side] = { pool, sink: new TurnSink(recorder), gate: new TurnGate(), workers: [] };
  }
  const errorsSeen = new Set<string>();
  const blocks: BlockMeasurement[] = [];
  const results: Record<Side, BandResult | null> = { base: null, head: null };
  try {
    try {
      await Promise.all(SIDES.map((side) => state[side].pool.open()));
    } catch (error) {
      return {
        blocks,
        results,
        stopReason:
          control.stopReason ??
          `band ${band.band_id} could not open ${band.connections} connections: ` +
            maskSecrets((error as Error).message ?? String(error), secrets),
      };
    }
    for (const side of SIDES) {
      const s = state[side];
      s.workers = Array.from({ length: band.workers }, (_, i) =>
        closedLoopWorker(request.sides[side].workload.createWorker(i + 1, request.seed), {
          pool: s.pool,
          recorder: s.sink,
          control,
          scheduler: null,
          gate: s.gate,
          onError: (code, error) => {
            if (errorsSeen.has(`${side} ${code}`)) return;
            errorsSeen.add(`${side} ${code}`);
            const message = error instanceof Error ? error.message : String(error);
            log.warn(`${side} side, band ${band.band_id}: first ${code} error: ${maskSecrets(message, secrets)}`);
          },
        }).catch((error: unknown) =>
          log.debug(`${side} worker ${i + 1} stopped: ${maskSecrets(String(error), secrets)}`),
        ),
      );
    }

    // Warm-up: the same alternation, nothing recorded.
    const warmTurns = Math.max(0, Math.round((request.warmupS * 1000) / TURN_MS));
    for (let t = 0; t < warmTurns && control.stopReason === null; t++) {
      const side = request.order[t % 2]!;
      state[side].gate.set(true);
      await control.phase(TURN_MS);
      state[side].gate.set(false);
    }

    const startedAt = new Date().toISOString();
    const measureStart = performance.now();
    const cpuStart = process.cpuUsage();
    const stopLoopMonitor = startLoopMonitor();
    const schedule = blockTurns(request.order, request.blocks);
    for (let k = 0; k < schedule.length && control.stopReason === null; k++) {
      for (const side of schedule[k]!) {
        const { sink, gate } = state[side];
        sink.openTurn(performance.now());
        gate.set(true);
        await control.phase(TURN_MS);
        gate.set(false);
        sink.closeTurn(performance.now());
        if (control.stopReason !== null) break;
      }
      if (control.stopReason !== null) break;
      const measured = { base: state.base.sink.take(), head: state.head.sink.take() };
      blocks.push({ index: k, first: schedule[k]![0]!, sides: measured });
    }
    const measureEnd = performance.now();
    const loop = stopLoopMonitor();
    const cpu = process.cpuUsage(cpuStart);
    const clientBound = isClientBound(loop.event_loop_utilization);
    for (const b of blocks) for (const side of SIDES) b.sides[side].client_bound = clientBound;

    const totalMs = state.base.sink.clockMs + state.head.sink.clockMs;
    for (const side of SIDES) {
      const { sink, pool } = state[side];
      if (sink.clockMs <= 0) continue;
      sink.recorder.windowStart = 0;
      sink.recorder.windowEnd = sink.clockMs;
      // The process's CPU is shared by both sides: each is charged its share of the time.
      const share = sink.clockMs / Math.max(1, totalMs);
      results[side] = assembleBandResult({
        band,
        plan,
        recorder: sink.recorder,
        scheduler: null,
        startedAt,
        endedEarly: control.stopReason !== null,
        outageMs: pool.outageMs(measureStart, measureEnd),
        cpu: { user: cpu.user * share, system: cpu.system * share },
        loops: 1,
        loopFigures: [loop],
        pgStats: null,
        secrets,
      });
    }
    return { blocks, results, stopReason: control.stopReason };
  } finally {
    control.stopping = true;
    for (const side of SIDES) {
      state[side].pool.stopHandingOut();
      state[side].gate.set(true);
    }
    const all = SIDES.flatMap((side) => state[side].workers);
    await Promise.race([Promise.all(all), sleep(DRAIN_MS)]);
    await Promise.all(SIDES.map((side) => state[side].pool.close()));
    await Promise.race([Promise.all(all), sleep(1000)]);
    control.dispose();
    request.signal?.removeEventListener('abort', onAbort);
    for (const side of SIDES) {
      state[side].sink.destroy();
      state[side].sink.recorder.destroy();
    }
  }
}
