// Entry point of a client thread (bundled as dist/band-thread.js). It runs one share of a band
// at a time, with its own event loop, connections and recorder, as the main thread tells it
// (see thread-protocol.ts); the main thread merges the shares into the band's result.

import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { workloadFromPortable } from '../workload/index.js';
import { BandRecorder } from './metrics.js';
import { ConnectionPool } from './pool.js';
import type { FromThread, ShareSpec, ToThread } from './thread-protocol.js';
import {
  BandControl,
  closedLoopWorker,
  sleep,
  startLoopMonitor,
  type LoopFigures,
  type WorkerContext,
} from './worker-loop.js';

const port = parentPort;
if (port === null) throw new Error('band-thread.js runs as a worker thread of the pgscale runner');
const post = (message: FromThread): void => port.postMessage(message);

class Share {
  private readonly control = new BandControl();
  private readonly recorder: BandRecorder;
  private readonly pool: ConnectionPool;
  private workers: Promise<void>[] = [];
  private readonly errorsSeen = new Set<string>();
  private readonly noticesSeen = new Set<string>();
  private readonly progressTimer: NodeJS.Timeout;
  private stopLoopMonitor: (() => LoopFigures) | null = null;

  constructor(private readonly spec: ShareSpec) {
    this.recorder = new BandRecorder(spec.windowSeconds, true);
    this.pool = new ConnectionPool({
      clientConfig: spec.clientConfig,
      size: spec.connections,
      retryWindowMs: spec.retryWindowMs,
      onFatal: (reason) => {
        this.control.halt(reason);
        post({ t: 'halt', reason });
      },
      cancelled: () => this.control.stopping,
      debug: (line) => post({ t: 'debug', line }),
      onNotice: (notice) => {
        this.recorder.notice(notice.severity);
        const kind = `${notice.severity} ${notice.code ?? notice.message}`;
        if (this.noticesSeen.has(kind)) return;
        this.noticesSeen.add(kind);
        post({ t: 'first-notice', severity: notice.severity, code: notice.code, message: notice.message });
      },
    });
    this.progressTimer = setInterval(() => post({ t: 'progress', completed: this.recorder.completedAnyPhase }), 1000);
  }

  async open(): Promise<void> {
    try {
      await this.pool.open();
      post({ t: 'opened' });
    } catch (error) {
      post({ t: 'open-failed', message: (error as Error).message ?? String(error) });
    }
  }

  begin(): void {
    const workload = workloadFromPortable(this.spec.workload);
    const ctx: WorkerContext = {
      pool: this.pool,
      recorder: this.recorder,
      control: this.control,
      scheduler: null,
      onError: (code, error) => {
        if (this.errorsSeen.has(code)) return;
        this.errorsSeen.add(code);
        post({ t: 'first-error', code, message: error instanceof Error ? error.message : String(error) });
      },
    };
    this.workers = Array.from({ length: this.spec.workers }, (_, i) => {
      const id = this.spec.firstWorkerId + i;
      return closedLoopWorker(workload.createWorker(id, this.spec.seed), ctx).catch((error: unknown) => {
        post({ t: 'debug', line: `worker ${id} stopped: ${String(error)}` });
      });
    });
  }

  window(): void {
    this.stopLoopMonitor = startLoopMonitor();
    this.recorder.startWindow(performance.now());
  }

  async end(drainMs: number): Promise<void> {
    this.recorder.endWindow(performance.now());
    // 'end' follows 'window', so the monitor is running.
    const loop = this.stopLoopMonitor!();
    this.control.stopping = true;
    this.pool.stopHandingOut();
    await Promise.race([Promise.all(this.workers), sleep(drainMs)]);
    const outageMs = this.pool.outageMs(this.recorder.windowStart, this.recorder.windowEnd);
    post({ t: 'result', result: { snapshot: this.recorder.snapshot(), loop, replaced: this.pool.replaced, outageMs } });
  }

  async close(): Promise<void> {
    this.control.stopping = true;
    this.control.dispose();
    clearInterval(this.progressTimer);
    await this.pool.close();
    await Promise.race([Promise.all(this.workers), sleep(1000)]);
    this.recorder.destroy();
  }
}

let share: Share | null = null;

port.on('message', (message: ToThread) => {
  switch (message.t) {
    case 'open':
      share = new Share(message.spec);
      void share.open();
      break;
    case 'begin':
      share?.begin();
      break;
    case 'window':
      share?.window();
      break;
    case 'end':
      void share?.end(message.drainMs);
      break;
    case 'close': {
      // After 'end' (or instead of it, when the band failed before its window): every
      // connection of the share is closed before the main thread opens the next band.
      const closing = share;
      share = null;
      void (closing ? closing.close() : Promise.resolve()).then(() => post({ t: 'closed' }));
      break;
    }
  }
});
