// Client threads: extra event loops that drive a share of a band's workers. One Node event loop
// tops out at a few tens of thousands of transactions per second; on a machine where PostgreSQL
// leaves cores idle, a second loop measures the database instead of the generator. Threads are
// started once per run and reused by every band (see band-thread.ts and thread-protocol.ts).

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { ProgressiveConfig } from '../config/types.js';
import type { Workload } from '../workload/types.js';
import type { FromThread, ShareResult, ShareSpec, ToThread } from './thread-protocol.js';

/**
 * The thread's entry, next to this module: dist/band-thread.js beside the bundles, or the
 * compiled band-thread.js beside runner.js. Running from TypeScript sources (the tests) there is
 * none, and bands run on the main thread.
 */
const THREAD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'band-thread.js');

export interface ShareHandlers {
  halt(reason: string): void;
  firstError(code: string, message: string): void;
  firstNotice(severity: string, code: string | undefined, message: string): void;
  debug(line: string): void;
  progress(completed: number): void;
}

/** How many event loops a run may use for its closed-loop bands; 1 = the main thread only. */
export function runThreadCount(
  clientThreads: ProgressiveConfig['client_threads'],
  rate: number | null,
  workload: Workload,
  clientConfig: pg.ClientConfig,
): number {
  const wanted = clientThreads === 'auto' ? os.availableParallelism() : clientThreads;
  if (wanted <= 1 || rate !== null || !workload.portable || !existsSync(THREAD_ENTRY)) return 1;
  try {
    structuredClone(clientConfig); // e.g. a password function or a custom stream cannot cross threads
  } catch {
    return 1;
  }
  return wanted;
}

/** Splits n into `parts` near-equal counts, larger ones first. */
export function splitEvenly(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

type Pending = { expect: FromThread['t'][]; resolve(message: FromThread): void; reject(error: Error): void };

/** One client thread, driven by the main thread's runner one band share at a time. */
export class ClientThread {
  private readonly worker: Worker;
  private handlers: ShareHandlers | null = null;
  private pending: Pending | null = null;
  private failure: Error | null = null;
  private terminating = false;

  constructor() {
    this.worker = new Worker(THREAD_ENTRY);
    this.worker.on('message', (message: FromThread) => this.onMessage(message));
    this.worker.on('error', (error) => this.fail(new Error(`client thread failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`client thread exited with code ${code}`)));
  }

  private fail(error: Error): void {
    if (this.terminating || this.failure !== null) return;
    this.failure = error;
    this.handlers?.halt(error.message);
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  private onMessage(message: FromThread): void {
    switch (message.t) {
      case 'halt':
        this.handlers?.halt(message.reason);
        return;
      case 'first-error':
        this.handlers?.firstError(message.code, message.message);
        return;
      case 'first-notice':
        this.handlers?.firstNotice(message.severity, message.code, message.message);
        return;
      case 'debug':
        this.handlers?.debug(message.line);
        return;
      case 'progress':
        this.handlers?.progress(message.completed);
        return;
      default: {
        const pending = this.pending;
        if (pending === null || !pending.expect.includes(message.t)) return;
        this.pending = null;
        pending.resolve(message);
      }
    }
  }

  private request(message: ToThread, expect: FromThread['t'][]): Promise<FromThread> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.pending?.reject(new Error(`client thread: ${message.t} sent before the previous answer`));
    return new Promise((resolve, reject) => {
      this.pending = { expect, resolve, reject };
      this.worker.postMessage(message);
    });
  }

  private post(message: ToThread): void {
    if (this.failure === null) this.worker.postMessage(message);
  }

  /** Opens the share's connections; rejects with the reason when they cannot be opened. */
  async open(spec: ShareSpec, handlers: ShareHandlers): Promise<void> {
    this.handlers = handlers;
    const answer = await this.request({ t: 'open', spec }, ['opened', 'open-failed']);
    if (answer.t === 'open-failed') throw new Error(answer.message);
  }

  /** Starts the share's workers (the warm-up begins). */
  begin(): void {
    this.post({ t: 'begin' });
  }

  /** The measured window opens. */
  window(): void {
    this.post({ t: 'window' });
  }

  /** The window closes: the share stops its workers and reports what it measured. */
  async end(drainMs: number): Promise<ShareResult> {
    const answer = await this.request({ t: 'end', drainMs }, ['result']);
    return (answer as Extract<FromThread, { t: 'result' }>).result;
  }

  /** Closes the share's connections; resolves once they are closed (or the thread is gone). */
  async close(): Promise<void> {
    if (this.failure !== null) return;
    await this.request({ t: 'close' }, ['closed']).catch(() => undefined);
    this.handlers = null;
  }

  /** True once the thread died; the run replaces it before the next band. */
  get failed(): boolean {
    return this.failure !== null;
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker.terminate();
  }
}

/** The run's client threads, started when a band first needs them. */
export class ClientThreads {
  private readonly threads: ClientThread[] = [];

  /** `count` threads, started on first use; one that died in an earlier band is replaced. */
  take(count: number): ClientThread[] {
    for (let i = 0; i < this.threads.length; i++) {
      const thread = this.threads[i]!;
      if (thread.failed) {
        void thread.terminate();
        this.threads[i] = new ClientThread();
      }
    }
    while (this.threads.length < count) this.threads.push(new ClientThread());
    return this.threads.slice(0, count);
  }

  async terminate(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
    this.threads.length = 0;
  }
}
