import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseWaitEvents } from '../../../src/db/stats.js';
import { ConnectionPool } from '../../../src/run/pool.js';
import { runBands } from '../../../src/run/runner.js';
import { ScriptWorkload } from '../../../src/workload/engine.js';
import { compileScript, parseScript } from '../../../src/workload/script.js';
import type { BandResult } from '../../../src/results/types.js';
import {
  ADMIN,
  createTestDatabase,
  plan,
  progressive,
  recordingLogger,
  selectOne,
  tinyWorkload,
  type RecordingLogger,
} from '../../support/run-helpers.js';

/** A workload of one pgbench-format script, run through the wire like a user's script file. */
function scriptWorkload(name: string, text: string): ScriptWorkload {
  return new ScriptWorkload({
    name,
    scripts: [compileScript(parseScript(text, `${name}.sql`), 0)],
    sources: [{ text, shown: `${name}.sql` }],
    weights: [1],
    requiredTables: [],
    files: [],
    scale: 1,
    setup: async () => undefined,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Terminates the run's idle pool backends once the measured window is `intoWindowMs` old. */
async function terminateIdleInWindow(log: RecordingLogger, warmupS: number, intoWindowMs: number): Promise<number> {
  await new Promise<void>((resolve) => {
    log.onInfo = (line) => {
      if (line.includes('Warming up')) resolve();
    };
  });
  await sleep(warmupS * 1000 + intoWindowMs);
  const admin = new pg.Client(ADMIN);
  await admin.connect();
  try {
    const r = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pgscale' AND state = 'idle'",
      [db.name],
    );
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('faults');
  const c = new pg.Client(db.config);
  await c.connect();
  await c.query('CREATE TABLE pair (id int PRIMARY KEY, v int NOT NULL)');
  await c.query('INSERT INTO pair VALUES (1, 0), (2, 0)');
  await c.end();
});
afterAll(async () => {
  await db?.drop();
});

describe('faults during a band', () => {
  it('counts statement timeouts as 57014 and keeps going', async () => {
    // Every other transaction sleeps past a 20 ms statement_timeout.
    const slowEveryOther = tinyWorkload('timeout', async (c, _w, n) => {
      await c.query(n % 2 === 0 ? 'SELECT pg_sleep(0.2)' : 'SELECT 1');
      return 1;
    });
    const outcome = await runBands({
      plan: plan([[2, 2]], 1.5, 0.2, 0, { max_error_rate: 0.9 }),
      workload: slowEveryOther,
      clientConfig: { ...db.config, statement_timeout: 20 },
      progressive: progressive(),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    expect(Object.keys(band.errors)).toEqual(['57014']);
    expect(band.transactions).toBeGreaterThan(10);
    expect(Math.abs(band.error_rate - 0.5)).toBeLessThan(0.05);
    expect(band.degraded).toBe(false);
  });

  it('counts deadlocks as 40P01, rolls back, and the survivors commit', async () => {
    // Two workers lock the same two rows in opposite orders.
    const crossing = tinyWorkload('deadlock', async (c, worker) => {
      const [first, second] = worker === 1 ? [1, 2] : [2, 1];
      await c.query('BEGIN');
      await c.query('UPDATE pair SET v = v + 1 WHERE id = $1', [first]);
      await c.query('SELECT pg_sleep(0.02)');
      await c.query('UPDATE pair SET v = v + 1 WHERE id = $1', [second]);
      await c.query('COMMIT');
      return 5;
    });
    const outcome = await runBands({
      plan: plan([[2, 2]], 2, 0.2, 0, { max_error_rate: 1 }),
      workload: crossing,
      clientConfig: { ...db.config, options: '-c deadlock_timeout=20ms' },
      progressive: progressive(),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    expect(band.errors['40P01']).toBeGreaterThanOrEqual(1);
    expect(Object.keys(band.errors)).toEqual(['40P01']); // never 25P02: the rollback happened
    expect(band.transactions).toBeGreaterThanOrEqual(1);
  });

  it("counts workload errors that are not the server's by their own code", async () => {
    const broken = tinyWorkload('script-error', async (c, _w, n) => {
      if (n % 2 === 0) throw Object.assign(new Error('\\set: division by zero'), { code: 'SCRIPT' });
      await c.query('SELECT 1');
      return 1;
    });
    const outcome = await runBands({
      plan: plan([[1, 1]], 1, 0.2, 0, { max_error_rate: 0.9 }),
      workload: broken,
      clientConfig: db.config,
      progressive: progressive(),
      log: recordingLogger(),
    });
    expect(Object.keys(outcome.bands[0]!.errors)).toEqual(['SCRIPT']);
  });
});

describe('a connection lost between flights', () => {
  // pgbench fails a client's transaction when its connection is lost; here the transaction that
  // would have used the connection fails, once per lost connection, and the band goes on.
  it('lost while idle in the pool: the next transaction that takes it fails with the FATAL’s 57P01', async () => {
    const log = recordingLogger();
    // At 20 TPS on one connection it sits idle in the pool between transactions.
    const running = runBands({
      plan: plan([[1, 1]], 3, 0.3, 0, { rate: 20, max_error_rate: 1 }),
      workload: selectOne,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    const killed = await terminateIdleInWindow(log, 0.3, 800);
    const band = (await running).bands[0] as BandResult;
    expect(killed).toBe(1);
    expect(band.errors).toEqual({ '57P01': 1 });
    expect(band.failed_transactions).toBe(1);
    expect(band.transactions).toBeGreaterThan(0);
    expect(band.outage_s).toBe(0); // replaced at the first attempt: no outage
    expect(log.lines.some((l) => l.startsWith('warn band 1: first 57P01 error: terminating connection'))).toBe(true);
  });

  it('lost while its transaction sleeps between statements: the next statement fails at once, not at the band’s end', async () => {
    const log = recordingLogger();
    const running = runBands({
      plan: plan([[1, 1]], 3, 0.3, 0, { max_error_rate: 1 }),
      workload: scriptWorkload('sleeper', 'SELECT 1;\n\\sleep 200 ms\nSELECT 2;\n'),
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    const killed = await terminateIdleInWindow(log, 0.3, 800);
    const band = (await running).bands[0] as BandResult;
    expect(killed).toBe(1);
    expect(band.errors).toEqual({ '57P01': 1 });
    // The worker was not stuck on the dead connection: it committed in the window's last second.
    expect(band.tps_series.at(-1)).toBeGreaterThan(0);
  });
});

describe('after a failed statement', () => {
  const run = async (name: string, text: string): Promise<BandResult> => {
    const outcome = await runBands({
      plan: plan([[1, 1]], 1, 0.2, 0, { max_error_rate: 1 }),
      workload: scriptWorkload(name, text),
      clientConfig: db.config,
      progressive: progressive(),
      log: recordingLogger(),
    });
    return outcome.bands[0] as BandResult;
  };

  it('an autocommit statement that failed gets no ROLLBACK (no "no transaction in progress" WARNING)', async () => {
    const band = await run('autocommit-fails', 'SELECT 1/0;\n');
    expect(Object.keys(band.errors)).toEqual(['22012']);
    expect(band.failed_transactions).toBeGreaterThan(10);
    expect(band.notices).toEqual({});
  });

  it('a failure inside BEGIN…COMMIT is still rolled back: the next BEGIN starts a fresh transaction', async () => {
    // Without the ROLLBACK the next BEGIN would warn (25001) and its statements fail with 25P02.
    const band = await run('tx-fails', '\\set bad random(0, 1)\nBEGIN;\nSELECT 1/:bad;\nCOMMIT;\n');
    expect(Object.keys(band.errors)).toEqual(['22012']);
    expect(band.transactions).toBeGreaterThan(0);
    expect(band.notices).toEqual({});
  });
});

describe('notices', () => {
  beforeAll(async () => {
    const c = new pg.Client(db.config);
    await c.connect();
    await c.query(
      "CREATE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'quiet %', 1; RAISE WARNING 'loud'; RETURN 1; END$$",
    );
    await c.end();
  });

  it('are counted per band by severity, the first of each kind logged once', async () => {
    const log = recordingLogger();
    const outcome = await runBands({
      plan: plan([[1, 1]], 1, 0.2),
      workload: scriptWorkload('noisy', 'SELECT noisy();\n'),
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    const band = outcome.bands[0] as BandResult;
    expect(Object.keys(band.notices ?? {}).sort()).toEqual(['NOTICE', 'WARNING']);
    // One of each per transaction; the one worker's transaction in flight at either edge of
    // the window may have its notices on one side and its commit on the other.
    for (const severity of ['NOTICE', 'WARNING'])
      expect(Math.abs(band.notices![severity]! - band.transactions)).toBeLessThanOrEqual(1);
    expect(band.transactions).toBeGreaterThan(10);
    expect(log.lines.filter((l) => l.includes('notice:'))).toEqual([
      'info band 1: first NOTICE 00000 notice: quiet 1',
      'warn band 1: first WARNING 01000 notice: loud',
    ]);
  });
});

describe('a workload that never does I/O', () => {
  it('cannot starve the timers: the band still ends on time and counts its transactions', async () => {
    // Resolving without I/O keeps the loop in microtasks; the runner must yield to end phases.
    const noIo = tinyWorkload('no-io', async () => 0);
    const outcome = await runBands({
      plan: plan([[2, 1]], 1, 0.2),
      workload: noIo,
      clientConfig: db.config,
      progressive: progressive(),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    expect(band.status).toBe('complete');
    expect(band.transactions).toBeGreaterThan(1000);
    expect(band.duration_s).toBeGreaterThan(0.99);
    expect(band.duration_s).toBeLessThan(1.5);
  });
});

describe('ConnectionPool', () => {
  it('opens exactly C connections and serves waiting workers first come, first served', async () => {
    const pool = new ConnectionPool({
      clientConfig: { ...db.config, application_name: 'pgscale-pooltest' },
      size: 1,
      retryWindowMs: 1000,
      onFatal: () => undefined,
      debug: () => undefined,
    });
    await pool.open();
    try {
      const held = pool.tryAcquire()!;
      expect(held).not.toBeNull();
      expect(pool.tryAcquire()).toBeNull();
      const order: number[] = [];
      const waiters = [1, 2, 3].map((i) =>
        pool.acquire().then((c) => {
          order.push(i);
          pool.release(c!);
        }),
      );
      pool.release(held);
      await Promise.all(waiters);
      expect(order).toEqual([1, 2, 3]);
      const again = pool.tryAcquire();
      expect(again?.client).toBe(held.client); // the same single connection went round
    } finally {
      await pool.close();
    }
    expect(await pool.acquire()).toBeNull();
  });
});

describe('summariseWaitEvents', () => {
  it('turns sampled counts into fractions, largest first', () => {
    const counts = new Map([
      [JSON.stringify(['CPU', null]), 6],
      [JSON.stringify(['Lock', 'transactionid']), 3],
      [JSON.stringify(['IO', 'DataFileRead']), 1],
    ]);
    expect(summariseWaitEvents(counts, 10)).toEqual([
      { wait_event_type: 'CPU', wait_event: null, fraction: 0.6 },
      { wait_event_type: 'Lock', wait_event: 'transactionid', fraction: 0.3 },
      { wait_event_type: 'IO', wait_event: 'DataFileRead', fraction: 0.1 },
    ]);
    expect(summariseWaitEvents(new Map(), 0)).toEqual([]);
  });
});
