// A small FIFO connection pool for one band. Exactly C connections are opened up front; workers
// take one per transaction. A free connection is taken synchronously (no promise on the hot
// path); only a worker that must wait gets a promise, served in arrival order. Broken
// connections are replaced in the background with backoff, within a retry window.
//
// A connection lost between transactions (a FATAL such as 57P01 from a fast shutdown or
// pg_terminate_backend, or the socket closing, while it sat in the pool) stays in rotation until
// one transaction has been charged with the loss: the next transaction that takes it fails at
// once with the loss's error, and only then is it replaced. See transactOnce.

import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { WireConnection, reusedBufferSocket, type WireNotice } from '../db/wire.js';

export interface PooledConnection {
  readonly client: pg.Client;
  /** Set when the socket errored or ended; the pool replaces it once a failure is charged. */
  broken: boolean;
  /** The first error that broke it (the server's FATAL, or pg's "Connection terminated"). */
  lost: unknown;
  /** When it broke (performance.now()), or null. */
  lostAt: number | null;
  /** True once a failed transaction has accounted for the loss; it is then replaced on release. */
  charged: boolean;
}

export interface PoolOptions {
  clientConfig: pg.ClientConfig;
  size: number;
  /** How long the server may stay unreachable before the pool gives up, ms. */
  retryWindowMs: number;
  /** Called once when the pool gives up; the runner then stops the run. */
  onFatal(reason: string): void;
  /** True once the run is being stopped (abort); opening gives up then. */
  cancelled?(): boolean;
  debug(line: string): void;
  /** NOTICE, WARNING, … messages the server sends on any pool connection. */
  onNotice?(notice: WireNotice): void;
}

type Waiter = (connection: PooledConnection | null) => void;

const OPEN_BATCH = 16;
const BACKOFF_START_MS = 50;
const BACKOFF_MAX_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ConnectionPool {
  private readonly free: PooledConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private waitersHead = 0;
  private readonly all = new Set<PooledConnection>();
  private closed = false;
  private fatal: string | null = null;
  /** Connections replaced during the band (for the log). */
  replaced = 0;
  /** Spans (performance.now() ms) from a connection's loss until it could be replaced, for
   *  losses whose first reconnect failed: the server was unreachable. end null: still down. */
  private readonly outages: { start: number; end: number | null }[] = [];

  constructor(private readonly opts: PoolOptions) {}

  get fatalReason(): string | null {
    return this.fatal;
  }

  /** Opens the C connections; retries within the window when the server is unreachable. */
  async open(): Promise<void> {
    const deadline = Date.now() + this.opts.retryWindowMs;
    let opened = 0;
    while (opened < this.opts.size) {
      const batch = Math.min(OPEN_BATCH, this.opts.size - opened);
      const results = await Promise.allSettled(Array.from({ length: batch }, () => this.connectOne()));
      let firstError: unknown = null;
      for (const r of results) {
        if (r.status === 'fulfilled') {
          this.free.push(r.value);
          opened++;
        } else {
          firstError ??= r.reason;
        }
      }
      if (firstError !== null) {
        if (Date.now() >= deadline || this.closed || this.opts.cancelled?.()) throw firstError;
        await sleep(250);
      }
    }
  }

  private async connectOne(): Promise<PooledConnection> {
    const config = this.opts.clientConfig;
    // Without TLS the connection reads into one reused buffer (wire.ts); pg would take an
    // unset ssl from PGSSLMODE, but the config resolved that already, so unset means plain here.
    const client = new pg.Client(config.ssl ? config : { ...config, ssl: false, stream: reusedBufferSocket });
    const connection: PooledConnection = { client, broken: false, lost: null, lostAt: null, charged: false };
    const lose = (error: unknown): void => {
      connection.broken = true;
      connection.lost ??= error;
      connection.lostAt ??= performance.now();
    };
    // Without an 'error' listener a killed backend would crash the process. Between flights pg
    // parses what arrives, so a FATAL sent to an idle connection comes here as its DatabaseError.
    client.on('error', lose);
    client.on('end', () => lose(null));
    const onNotice = this.opts.onNotice;
    if (onNotice) {
      client.on('notice', (msg) =>
        onNotice({ severity: msg.severity ?? 'NOTICE', code: msg.code, message: msg.message ?? '' }),
      );
    }
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    // The wire channel from the start, so it sees every ReadyForQuery's transaction status and
    // the notices that arrive during flights (pg never parses those).
    if (onNotice) WireConnection.of(client).onNotice = onNotice;
    else WireConnection.of(client);
    this.all.add(connection);
    return connection;
  }

  /** A free connection (maybe one lost since, not yet charged), or null: wait with acquire(). */
  tryAcquire(): PooledConnection | null {
    while (this.free.length > 0) {
      const connection = this.free.pop() as PooledConnection;
      if (!connection.broken || !connection.charged) return connection;
      this.replace(connection);
    }
    return null;
  }

  /** Resolves with a connection in FIFO order, or null once the pool is closed. */
  acquire(): Promise<PooledConnection | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise<PooledConnection | null>((resolve) => {
      this.waiters.push(resolve);
    });
  }

  release(connection: PooledConnection): void {
    if (connection.broken && (connection.charged || this.closed)) {
      this.replace(connection);
      return;
    }
    if (this.closed) return;
    if (this.waitersHead < this.waiters.length) {
      const waiter = this.waiters[this.waitersHead] as Waiter;
      this.waiters[this.waitersHead] = undefined as unknown as Waiter;
      this.waitersHead++;
      if (this.waitersHead === this.waiters.length) {
        this.waiters.length = 0;
        this.waitersHead = 0;
      } else if (this.waitersHead >= 1024 && this.waitersHead * 2 >= this.waiters.length) {
        // With workers always waiting the queue never empties; drop the served prefix so
        // memory stays flat however long the band runs.
        this.waiters.splice(0, this.waitersHead);
        this.waitersHead = 0;
      }
      waiter(connection);
      return;
    }
    this.free.push(connection);
  }

  private replace(old: PooledConnection): void {
    if (!this.all.delete(old)) return;
    old.client.end().catch(() => undefined);
    if (this.closed) return;
    void this.reconnect(old.lostAt ?? performance.now());
  }

  /** Milliseconds of [from, to] (performance.now()) during which the server was unreachable. */
  outageMs(from: number, to: number): number {
    const spans = this.outages
      .map((o) => [Math.max(from, o.start), Math.min(to, o.end ?? to)] as const)
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let reach = from;
    for (const [start, end] of spans) {
      if (end <= reach) continue;
      total += end - Math.max(start, reach);
      reach = end;
    }
    return total;
  }

  private async reconnect(lostAt: number): Promise<void> {
    const firstFailure = Date.now();
    let outage: { start: number; end: number | null } | null = null;
    let backoff = BACKOFF_START_MS;
    while (!this.closed && this.fatal === null) {
      try {
        const connection = await this.connectOne();
        if (outage !== null) outage.end = performance.now();
        if (this.closed) {
          this.all.delete(connection);
          await connection.client.end().catch(() => undefined);
          return;
        }
        this.replaced++;
        this.release(connection);
        return;
      } catch (error) {
        if (outage === null) {
          outage = { start: lostAt, end: null };
          this.outages.push(outage);
        }
        const gone = Date.now() - firstFailure;
        if (gone >= this.opts.retryWindowMs) {
          if (this.fatal === null) {
            this.fatal = `the server stayed unreachable for ${Math.round(gone / 1000)}s (${(error as Error).message})`;
            this.opts.onFatal(this.fatal);
          }
          return;
        }
        this.opts.debug(`reconnect failed, retrying in ${backoff}ms: ${(error as Error).message}`);
        await sleep(backoff);
        backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      }
    }
  }

  /** Wakes waiting workers with null; no connection is handed out afterwards. */
  stopHandingOut(): void {
    this.closed = true;
    for (let i = this.waitersHead; i < this.waiters.length; i++) this.waiters[i]?.(null);
    this.waiters.length = 0;
    this.waitersHead = 0;
  }

  /** Closes every connection, including ones still held by workers that did not finish. */
  async close(): Promise<void> {
    this.stopHandingOut();
    const ends = [...this.all].map((c) => c.client.end().catch(() => undefined));
    this.all.clear();
    this.free.length = 0;
    await Promise.all(ends);
  }
}
