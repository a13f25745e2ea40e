// One band's closed- and open-loop workers and what they share: the connection pool, the
// recorder, the band's stop control and (open loop) the rate schedule. Used by the runner on the
// main thread and by client threads (band-thread.ts) alike.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRandom, type Random } from '../random.js';
import type { WorkerSession } from '../workload/types.js';
import { WireConnection } from '../db/wire.js';
import type { BandRecorder } from './metrics.js';
import type { ConnectionPool, PooledConnection } from './pool.js';

/** If timers have not run for this long, the loop is starved by workers that never do I/O. */
const STARVATION_MS = 50;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops a band: on abort, on a fatal pool error, or at the end of its phases. */
export class BandControl {
  /** Workers leave their loop when this is set. */
  stopping = false;
  /** Why the run must stop after this band (null = it may go on). */
  stopReason: string | null = null;
  private wakeSleeper: (() => void) | null = null;
  /** Refreshed by a 10 ms timer; a stale value means workers are starving the event loop. */
  lastTimerTick = performance.now();
  private readonly ticks = setInterval(() => {
    this.lastTimerTick = performance.now();
  }, 10);

  /** Stops the tick timer; the band is over. */
  dispose(): void {
    clearInterval(this.ticks);
  }

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

/** This event loop's utilisation and p99 delay over the measured window. */
export interface LoopFigures {
  event_loop_utilization: number;
  event_loop_delay_p99_ms: number | null;
}

/** Starts measuring this thread's event loop; the returned function stops and reports. */
export function startLoopMonitor(): () => LoopFigures {
  const eluStart = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  return () => {
    const utilization = performance.eventLoopUtilization(eluStart).utilization;
    delay.disable();
    return {
      event_loop_utilization: utilization,
      event_loop_delay_p99_ms: delay.count > 0 ? delay.percentile(99) / 1e6 : null,
    };
  };
}

/** The open-loop schedule shared by a band's workers: exponential inter-arrival times. */
export class RateScheduler {
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error the server sent (it carries a severity), as opposed to one of the client's. */
function isServerError(error: unknown): boolean {
  return typeof (error as { severity?: unknown } | null | undefined)?.severity === 'string';
}

async function rollbackQuietly(connection: PooledConnection): Promise<void> {
  try {
    await connection.client.query('ROLLBACK');
  } catch {
    // Gone, or in a state a ROLLBACK cannot fix: the pool replaces it on release.
    connection.broken = true;
  }
}

/**
 * Lets a side's closed-loop workers run only during its turns (the same-runner A/B run interleaves
 * two sides on one server): a worker finishes the transaction in flight, then waits for the next turn.
 */
export class TurnGate {
  private isOpen = false;
  private waiters: (() => void)[] = [];

  get open(): boolean {
    return this.isOpen;
  }

  set(open: boolean): void {
    this.isOpen = open;
    if (!open) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  wait(): Promise<void> {
    return this.isOpen ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface WorkerContext {
  pool: ConnectionPool;
  /** Where each transaction's outcome goes: the band's recorder, or a sink in front of it. */
  recorder: Pick<BandRecorder, 'commit' | 'fail' | 'lag'>;
  control: BandControl;
  scheduler: RateScheduler | null;
  /** Closed loop only: the workers run while it is open. */
  gate?: TurnGate;
  onError(code: string, error: unknown): void;
}

async function yieldToLoop(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * One transaction on a pooled connection: acquire, run, release, record. Latency counts from
 * `scheduled` (the rate schedule's slot; `started` in a closed loop). False once the pool closed.
 */
async function transactOnce(
  session: WorkerSession,
  ctx: WorkerContext,
  scheduled: number,
  started: number,
): Promise<boolean> {
  const { pool, recorder } = ctx;
  let connection = pool.tryAcquire();
  if (connection === null) {
    connection = await pool.acquire();
    if (connection === null) return false;
  }
  if (connection.broken) {
    // Lost while no transaction ran on it (a FATAL or the socket closing between flights): this
    // transaction, the next one that would have used it, is the one that fails, as a pgbench
    // client's transaction fails when its connection is lost. Nothing is sent.
    connection.charged = true;
    const lost = connection.lost ?? new Error('Connection terminated unexpectedly');
    const code = errorCode(lost, connection);
    pool.release(connection);
    recorder.fail(code, lost);
    ctx.onError(code, lost);
    return true;
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
    // A connection lost while this transaction held it between flights fails the next flight
    // with a bare "Connection terminated"; the FATAL that ended it (e.g. 57P01) is the cause.
    const cause =
      !isServerError(failure) && connection.broken && isServerError(connection.lost) ? connection.lost : failure;
    const code = errorCode(cause, connection);
    // Only an open transaction needs a ROLLBACK ('T', or 'E' after a failed statement in one);
    // on an idle connection it would only leave "there is no transaction in progress" in the
    // server's log. Unknown (no ReadyForQuery seen yet): roll back to be safe.
    if (!connection.broken && WireConnection.of(connection.client).transactionStatus !== 'I')
      await rollbackQuietly(connection);
    // This failure accounts for a loss during the transaction (or its ROLLBACK).
    if (connection.broken) connection.charged = true;
    pool.release(connection);
    // The example keeps the statement that was running, with the cause's message.
    recorder.fail(
      code,
      cause === failure
        ? failure
        : { message: errorMessage(cause), statement: (failure as { statement?: string } | null)?.statement },
    );
    ctx.onError(code, cause);
  }
  return true;
}

export async function closedLoopWorker(session: WorkerSession, ctx: WorkerContext): Promise<void> {
  const { control, gate } = ctx;
  while (!control.stopping) {
    if (gate && !gate.open) {
      await gate.wait();
      continue;
    }
    const started = performance.now();
    if (started - control.lastTimerTick > STARVATION_MS) await yieldToLoop();
    if (!(await transactOnce(session, ctx, started, started))) return;
  }
}

export async function openLoopWorker(session: WorkerSession, ctx: WorkerContext): Promise<void> {
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
