// Test support: a database of our own on the shared server, tiny workloads, a recording logger.
import pg from 'pg';
import type { BandPlan } from '../../src/plan/types.js';
import type { Workload, WorkerSession, WorkloadClient } from '../../src/workload/types.js';
import type { Logger } from '../../src/log.js';

export { progressive } from './progressive.js';

export const ADMIN: pg.ClientConfig = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

export async function createTestDatabase(
  area: string,
): Promise<{ name: string; config: pg.ClientConfig; drop(): Promise<void> }> {
  const name = `pgscale_t_${area}_${process.pid}`;
  const admin = new pg.Client(ADMIN);
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    config: { ...ADMIN, database: name },
    async drop() {
      const a = new pg.Client(ADMIN);
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A workload made of one function per transaction; `n` counts the worker's transactions from 1. */
export function tinyWorkload(
  name: string,
  tx: (client: WorkloadClient, workerId: number, n: number) => Promise<number>,
): Workload {
  return {
    name,
    requiredTables: [],
    files: [],
    createWorker(workerId: number): WorkerSession {
      let n = 0;
      return { runTransaction: (client) => tx(client, workerId, ++n) };
    },
    async setup() {},
  };
}

export const selectOne = tinyWorkload('select-1', async (c) => {
  await c.query('SELECT 1');
  return 1;
});

export const sleep5ms = tinyWorkload('sleep-5ms', async (c) => {
  await c.query('SELECT pg_sleep(0.005)');
  return 1;
});

/** What each band runs besides its size; the defaults are progressive()'s. */
export type BandSettings = Partial<Pick<BandPlan, 'rate' | 'pipeline' | 'max_error_rate'>>;

export function plan(
  bands: Array<[number, number]>,
  duration = 1.5,
  warmup = 0.5,
  cooldown = 0,
  settings: BandSettings = {},
): BandPlan {
  return {
    strategy: 'linear',
    bands: bands.map(([workers, connections], i) => ({ band_id: i + 1, workers, connections })),
    band_duration_s: duration,
    warmup_time_s: warmup,
    cooldown_time_s: cooldown,
    estimated_duration_s: bands.length * (duration + warmup + cooldown),
    rate: null,
    pipeline: false,
    max_error_rate: 0.05,
    ...settings,
  };
}

export interface RecordingLogger extends Logger {
  lines: string[];
  onInfo?: (line: string) => void;
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const log: RecordingLogger = {
    lines,
    info: (line) => {
      lines.push(`info ${line}`);
      log.onInfo?.(line);
    },
    debug: (line) => lines.push(`debug ${line}`),
    warn: (line) => lines.push(`warn ${line}`),
  };
  return log;
}

export async function countPoolConnections(observer: pg.Client, database: string): Promise<number> {
  const r = await observer.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pgscale' AND datname = $1",
    [database],
  );
  return Number(r.rows[0]?.n ?? -1);
}

/** Backends exit a moment after the client closes; wait (bounded) until none of ours remain. */
export async function waitForNoPoolConnections(observer: pg.Client, database: string): Promise<number> {
  let n = await countPoolConnections(observer, database);
  for (let i = 0; i < 40 && n > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    n = await countPoolConnections(observer, database);
  }
  return n;
}
