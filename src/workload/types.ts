import type pg from 'pg';
import type { WorkloadFileDigest } from '../results/types.js';

/** What a worker needs from a pooled connection: pg's Client, so the hot path adds no wrapper. */
export type WorkloadClient = pg.Client;

/** One closed-loop client's state: pgbench's per-client variables and random stream. */
export interface WorkerSession {
  /**
   * Runs one transaction (one script execution) on `client` and resolves with the number of
   * statements it sent. Rejects with the server's error (a pg DatabaseError carrying `code`);
   * the runner then rolls back and counts the failure by SQLSTATE.
   */
  runTransaction(client: WorkloadClient): Promise<number>;
}

/**
 * What another thread needs to rebuild a workload's workers: the script texts, not the compiled
 * closures (which cannot cross threads). Setup stays on the main thread.
 */
export interface PortableWorkload {
  name: string;
  scripts: { text: string; shown: string }[];
  weights: number[];
  scale: number;
}

export interface Workload {
  /** The name reported in results: a built-in name or the config's workload.name. */
  name: string;
  /** Tables that must exist before a run; a missing one means `--setup` is needed. */
  requiredTables: string[];
  /** Digests of script and setup files (empty for built-ins). */
  files: WorkloadFileDigest[];
  /** `workerId` is 1-based; `seed` makes the random streams reproducible. */
  createWorker(workerId: number, seed: number): WorkerSession;
  /** Creates the schema and data (idempotent); scale as in pgbench -s. */
  setup(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void>;
  /** The workload in a form client threads can rebuild; absent: its workers run on the main thread only. */
  portable?(): PortableWorkload;
}
