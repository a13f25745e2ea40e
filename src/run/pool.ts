// A small FIFO connection pool for one band. Exactly C connections are opened up front; workers
// take one per transaction. A free connection is taken synchronously (no promise on the hot
// path); only a worker that must wait gets a promise, served in arrival order. Broken
// connections are replaced in the background with backoff, within a retry window.

import pg from 'pg';
import { reusedBufferSocket } from '../workload/wire.js';

export interface PooledConnection {
  readonly client: pg.Client;
  /** Set when the socket errored or ended; the pool replaces it on release. */
  broken: boolean;
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
    const connection: PooledConnection = { client, broken: false };
    // Without an 'error' listener a killed backend would crash the process.
    client.on('error', () => {
      connection.broken = true;
    });
    client.on('end', () => {
      connection.broken = true;
    });
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    this.all.add(connection);
    return connection;
  }

  /** A free connection, or null when the caller must wait with acquire(). */
  tryAcquire(): PooledConnection | null {
    while (this.free.length > 0) {
      const connection = this.free.pop() as PooledConnection;
      if (!connection.broken) return connection;
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
    if (connection.broken) {
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
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const firstFailure = Date.now();
    let backoff = BACKOFF_START_MS;
    while (!this.closed && this.fatal === null) {
      try {
        const connection = await this.connectOne();
        if (this.closed) {
          this.all.delete(connection);
          await connection.client.end().catch(() => undefined);
          return;
        }
        this.replaced++;
        this.release(connection);
        return;
      } catch (error) {
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
