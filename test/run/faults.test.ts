import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseWaitEvents } from '../../src/db/stats.js';
import { ConnectionPool } from '../../src/run/pool.js';
import { runBands } from '../../src/run/runner.js';
import { createTestDatabase, plan, progressive, recordingLogger, tinyWorkload } from './helpers.js';

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
      plan: plan([[2, 2]], 1.5, 0.2),
      workload: slowEveryOther,
      clientConfig: { ...db.config, statement_timeout: 20 },
      progressive: progressive({ max_error_rate: 0.9 }),
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
      plan: plan([[2, 2]], 2, 0.2),
      workload: crossing,
      clientConfig: { ...db.config, options: '-c deadlock_timeout=20ms' },
      progressive: progressive({ max_error_rate: 1 }),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    expect(band.errors['40P01']).toBeGreaterThanOrEqual(1);
    expect(Object.keys(band.errors)).toEqual(['40P01']); // never 25P02: the rollback happened
    expect(band.transactions).toBeGreaterThanOrEqual(1);
  });

  it('counts workload errors that are not the server\'s by their own code', async () => {
    const broken = tinyWorkload('script-error', async (c, _w, n) => {
      if (n % 2 === 0) throw Object.assign(new Error('\\set: division by zero'), { code: 'SCRIPT' });
      await c.query('SELECT 1');
      return 1;
    });
    const outcome = await runBands({
      plan: plan([[1, 1]], 1, 0.2),
      workload: broken,
      clientConfig: db.config,
      progressive: progressive({ max_error_rate: 0.9 }),
      log: recordingLogger(),
    });
    expect(Object.keys(outcome.bands[0]!.errors)).toEqual(['SCRIPT']);
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
