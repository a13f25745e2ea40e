// Messages between the runner (main thread) and its client threads. A band with several client
// threads gives each thread a share of the workers and of the connections; the main thread runs
// a share of its own, tells every thread when the measured window opens and closes, and merges
// what the shares recorded into one band result.

import type pg from 'pg';
import type { PortableWorkload } from '../workload/types.js';
import type { RecorderSnapshot } from './metrics.js';
import type { LoopFigures } from './worker-loop.js';

/** One thread's part of a band. */
export interface ShareSpec {
  bandId: number;
  /** Worker ids firstWorkerId … firstWorkerId + workers − 1 (ids are global to the band). */
  firstWorkerId: number;
  workers: number;
  connections: number;
  seed: number;
  windowSeconds: number;
  clientConfig: pg.ClientConfig;
  retryWindowMs: number;
  workload: PortableWorkload;
}

export type ToThread =
  { t: 'open'; spec: ShareSpec } | { t: 'begin' } | { t: 'window' } | { t: 'end'; drainMs: number } | { t: 'close' };

export interface ShareResult {
  snapshot: RecorderSnapshot;
  /** The share's event loop over the measured window. */
  loop: LoopFigures;
  replaced: number;
  /** Milliseconds of the share's window during which its pool found the server unreachable. */
  outageMs: number;
}

export type FromThread =
  | { t: 'opened' }
  | { t: 'open-failed'; message: string }
  | { t: 'halt'; reason: string }
  | { t: 'first-error'; code: string; message: string }
  /** A notice of a kind (severity + SQLSTATE) this share had not seen before. */
  | { t: 'first-notice'; severity: string; code: string | undefined; message: string }
  | { t: 'debug'; line: string }
  /** Transactions finished so far in any phase, for the live progress line (every second). */
  | { t: 'progress'; completed: number }
  | { t: 'result'; result: ShareResult }
  | { t: 'closed' };
