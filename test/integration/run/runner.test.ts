import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBands } from '../../../src/run/runner.js';
import {
  countPoolConnections,
  createTestDatabase,
  plan,
  progressive,
  recordingLogger,
  selectOne,
  sleep5ms,
  tinyWorkload,
  waitForNoPoolConnections,
} from '../../support/run-helpers.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let observer: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('run');
  observer = new pg.Client(db.config);
  await observer.connect();
  await observer.query(
    'CREATE TABLE tx_log (id bigserial PRIMARY KEY, worker int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())',
  );
});

afterAll(async () => {
  await observer?.end();
  await db?.drop();
});

describe('runBands', () => {
  it('counts the transactions the server committed in the measured window, and keeps exactly C connections', async () => {
    await observer.query('TRUNCATE tx_log');
    const insertOne = tinyWorkload('insert', async (c, worker) => {
      await c.query({ text: 'INSERT INTO tx_log (worker) VALUES ($1)', values: [worker], name: 'ins' });
      return 1;
    });
    const log = recordingLogger();
    const seen: number[] = [];
    let sampling: Promise<void> | null = null;
    log.onInfo = (line) => {
      // Warm-up starts once all C connections are open; sample until the band completes.
      if (line.startsWith('🔥')) {
        sampling = (async () => {
          for (let i = 0; i < 5; i++) {
            seen.push(await countPoolConnections(observer, db.name));
            await new Promise((r) => setTimeout(r, 150));
          }
        })();
      }
    };
    const outcome = await runBands({
      plan: plan([[4, 2]], 2, 0.5),
      workload: insertOne,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    await sampling;
    expect(outcome.partial).toBe(false);
    const band = outcome.bands[0]!;
    expect(band.status).toBe('complete');
    expect(seen).toEqual([2, 2, 2, 2, 2]);
    expect(await waitForNoPoolConnections(observer, db.name)).toBe(0);

    // Rows whose commit time lies inside the window, from the server's own clock. Transactions
    // in flight at either edge may fall on either side: at most C per edge.
    const start = new Date(band.started_at);
    const end = new Date(start.getTime() + band.duration_s * 1000);
    const rows = await observer.query<{ n: string }>('SELECT count(*) AS n FROM tx_log WHERE at >= $1 AND at < $2', [
      start,
      end,
    ]);
    const committed = Number(rows.rows[0]!.n);
    expect(band.transactions).toBeGreaterThan(100);
    // Client timestamps are taken when the event loop gets to a completion, up to its delay after the
    // server committed: at each edge that many milliseconds of transactions may fall on the other side.
    const lagMs = (band.client.event_loop_delay_p99_ms ?? 10) + 1;
    const edgeSlack = Math.ceil((2 * band.total_tps * lagMs) / 1000);
    expect(
      Math.abs(committed - band.transactions),
      `TPS ${band.total_tps.toFixed(0)}, loop delay p99 ${lagMs - 1} ms`,
    ).toBeLessThanOrEqual(2 * 2 + 2 + edgeSlack);
    expect(band.statements).toBe(band.transactions);
    expect(band.total_tps).toBeCloseTo(band.transactions / band.duration_s, 6);
    expect(band.tps_series).toHaveLength(2);
    // Every committed transaction lands in one second of the series (the fraction of a second
    // beyond the whole seconds may hold a few).
    const inSeries = band.tps_series.reduce((a, b) => a + b, 0);
    expect(inSeries).toBeLessThanOrEqual(band.transactions);
    expect(inSeries).toBeGreaterThanOrEqual(band.transactions * 0.9);
    // One p95 per second of the series, each between the band's fastest and slowest latency.
    expect(band.p95_series_ms).toHaveLength(band.tps_series.length);
    for (const p95 of band.p95_series_ms!) {
      expect(p95).not.toBeNull();
      expect(p95!).toBeGreaterThan(0);
      expect(p95!).toBeLessThanOrEqual(band.latency.max_ms! * 1.01);
    }
    // The serialised histogram decodes to the same count of latencies.
    expect(hdr.decodeFromCompressedBase64(band.latency_histogram).totalCount).toBe(band.transactions);
    expect(band.latency.count).toBe(band.transactions);
    expect(band.latency.p50_ms!).toBeLessThanOrEqual(band.latency.p95_ms!);
    expect(band.latency.p95_ms!).toBeLessThanOrEqual(band.latency.p99_ms!);
    expect(band.latency.p99_ms!).toBeLessThanOrEqual(band.latency.max_ms! * 1.001);
    // latency = pool wait + service time, per transaction, so the means add up.
    expect(band.latency.mean_ms!).toBeCloseTo(band.pool_wait.mean_ms! + band.service_time.mean_ms!, 6);
    expect(band.errors).toEqual({});
    expect(band.error_rate).toBe(0);
    expect(band.client.event_loop_utilization).toBeGreaterThan(0);
    expect(band.client.cpu_us_per_tx).toBeGreaterThan(0);
    expect(log.lines).toContain('info 🔄 Band 1/1: 4 workers, 2 connections');
    expect(log.lines.some((l) => /^info 📊 Band 1 completed: [\d,]+ TPS, [\d.]+ms avg latency$/.test(l))).toBe(true);
  });

  it('measures pool wait when workers outnumber connections, and none when they do not', async () => {
    const log = recordingLogger();
    const progressLines: string[] = [];
    log.progress = (line) => progressLines.push(line);
    const outcome = await runBands({
      plan: plan([
        [4, 2],
        [2, 2],
      ]),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    // On a terminal, a live line once a second names the band, its phase and the current TPS.
    expect(progressLines.length).toBeGreaterThanOrEqual(2);
    expect(
      progressLines.some((l) => /^Band 1\/2 \(4w\/2c\) (warming up|measuring) \d+\/[\d.]+s · [\d,]+ TPS$/.test(l)),
    ).toBe(true);
    expect(progressLines.some((l) => l.startsWith('Band 2/2 (2w/2c) measuring'))).toBe(true);
    const [crowded, enough] = outcome.bands;
    // Four workers on two connections: each waits about one service time for a connection.
    expect(crowded!.pool_wait.mean_ms!).toBeGreaterThan(0.5 * crowded!.service_time.mean_ms!);
    expect(crowded!.service_time.mean_ms!).toBeGreaterThan(5);
    // Two workers on two connections: a connection is always free.
    expect(enough!.pool_wait.mean_ms!).toBeLessThan(0.2);
    expect(enough!.pool_wait.p99_ms!).toBeLessThan(1);
  });

  it('counts failures by SQLSTATE, rolls back and goes on', async () => {
    // Every 4th transaction divides by zero inside an explicit transaction: without a ROLLBACK
    // the next BEGIN would find the connection in an aborted transaction (25P02).
    const failing = tinyWorkload('div0', async (c, _w, n) => {
      await c.query('BEGIN');
      await c.query({ text: 'SELECT 1 / $1::int', values: [n % 4 === 0 ? 0 : 1], name: 'div' });
      await c.query('COMMIT');
      return 3;
    });
    const log = recordingLogger();
    const outcome = await runBands({
      plan: plan([[3, 2]], 1.5, 0.5, 0, { max_error_rate: 0.1 }),
      workload: failing,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    const band = outcome.bands[0]!;
    expect(Object.keys(band.errors)).toEqual(['22012']);
    expect(band.failed_transactions).toBe(band.errors['22012']);
    expect(band.error_rate).toBeCloseTo(band.failed_transactions / (band.failed_transactions + band.transactions), 10);
    expect(Math.abs(band.error_rate - 0.25)).toBeLessThan(0.02);
    expect(band.degraded).toBe(true);
    expect(band.statements).toBe(3 * band.transactions);
    expect(log.lines.some((l) => l.startsWith('warn band 1: first 22012 error: division by zero'))).toBe(true);
  });

  it('replaces connections killed with pg_terminate_backend mid-band and counts the failures', async () => {
    const log = recordingLogger();
    let killed = 0;
    let killing: Promise<void> | null = null;
    log.onInfo = (line) => {
      if (line.startsWith('🔥')) {
        killing = (async () => {
          await new Promise((r) => setTimeout(r, 1200)); // 0.7 s into the measured window
          const r = await observer.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgscale' AND datname = $1",
            [db.name],
          );
          killed = r.rowCount ?? 0;
        })();
      }
    };
    const outcome = await runBands({
      plan: plan([[4, 2]], 3, 0.5),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    await killing;
    expect(killed).toBe(2);
    expect(outcome.partial).toBe(false);
    const band = outcome.bands[0]!;
    expect(band.status).toBe('complete');
    const failures = Object.entries(band.errors);
    expect(failures.length).toBeGreaterThan(0);
    for (const [code] of failures) expect(['57P01', 'CONNECTION']).toContain(code);
    expect(band.failed_transactions).toBeGreaterThanOrEqual(1);
    expect(band.failed_transactions).toBeLessThanOrEqual(4); // at most what was in flight
    // The band went on after the kill: the last whole second still committed transactions.
    expect(band.tps_series.at(-1)!).toBeGreaterThan(10);
    expect(log.lines).toContain('info 🔌 Band 1: replaced 2 broken connections');
    expect(await waitForNoPoolConnections(observer, db.name)).toBe(0);
  });

  it('stops soon after an abort, keeping the partial band', async () => {
    const controller = new AbortController();
    const log = recordingLogger();
    log.onInfo = (line) => {
      if (line.startsWith('🔥')) setTimeout(() => controller.abort(), 1500);
    };
    const started = Date.now();
    const outcome = await runBands({
      plan: plan(
        [
          [4, 2],
          [4, 4],
        ],
        10,
        0.5,
      ),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive(),
      signal: controller.signal,
      log,
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5000); // the promise: stop within 5 s, with a 10 s band running
    expect(outcome.partial).toBe(true);
    expect(outcome.partial_reason).toBe('interrupted');
    expect(outcome.bands).toHaveLength(1);
    const band = outcome.bands[0]!;
    expect(band.status).toBe('partial');
    expect(band.duration_s).toBeGreaterThan(0.5);
    expect(band.duration_s).toBeLessThan(10);
    expect(band.transactions).toBeGreaterThan(0);
    expect(await waitForNoPoolConnections(observer, db.name)).toBe(0);
  });

  it('holds an open-loop rate and reports its schedule lag', async () => {
    const outcome = await runBands({
      plan: plan([[4, 4]], 3, 0.5, 0, { rate: 200 }),
      workload: selectOne,
      clientConfig: db.config,
      progressive: progressive(),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    // Poisson arrivals: 600 expected in 3 s, standard deviation ≈ 24.5; ±20% is over 4 sigma.
    expect(band.total_tps).toBeGreaterThan(160);
    expect(band.total_tps).toBeLessThan(240);
    expect(band.rate).not.toBeNull();
    expect(band.rate!.target_tps).toBe(200);
    expect(band.rate!.held).toBe(true);
    expect(band.rate!.lag_max_ms).toBeGreaterThanOrEqual(band.rate!.lag_mean_ms);
  });

  it('warns when the rate cannot be held, and latency includes the lag', async () => {
    const log = recordingLogger();
    const outcome = await runBands({
      // One worker doing 5 ms transactions cannot exceed ~200 TPS; ask for 1000.
      plan: plan([[1, 1]], 2, 0.2, 0, { rate: 1000 }),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive(),
      log,
    });
    const band = outcome.bands[0]!;
    expect(band.rate!.held).toBe(false);
    expect(log.lines.some((l) => l.startsWith('warn band 1: the target rate of 1000 TPS could not be held'))).toBe(
      true,
    );
    // Measured from the scheduled start, latency grows with the backlog, far above service time.
    expect(band.latency.mean_ms!).toBeGreaterThan(10 * band.service_time.mean_ms!);
  });

  it('collects PostgreSQL evidence: counters and wait events of the pool only', async () => {
    const log = recordingLogger();
    const outcome = await runBands({
      plan: plan([[4, 4]], 2, 0.3),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive({ collect_pg_stats: true, pg_stat_statements: true }),
      log,
    });
    const stats = outcome.bands[0]!.pg_stats!;
    expect(stats).not.toBeNull();
    expect(stats.activity_samples).toBeGreaterThanOrEqual(10);
    expect(stats.xact_commit).toBeGreaterThan(0);
    const total = stats.wait_events.reduce((a, w) => a + w.fraction, 0);
    expect(total).toBeCloseTo(1, 9);
    // The workload sleeps server-side: PgSleep must dominate what its backends wait on.
    expect(stats.wait_events[0]).toMatchObject({ wait_event_type: 'Timeout', wait_event: 'PgSleep' });
    expect(stats.wait_events[0]!.fraction).toBeGreaterThan(0.5);
    // pg_stat_statements is not installed in the test database: a warning, not a failure.
    expect(stats.top_statements).toBeNull();
    expect(log.lines.some((l) => l.startsWith('warn pg_stat_statements is not installed'))).toBe(true);
  });

  it('stops with partial results when the band cannot connect, and never shows the password', async () => {
    const log = recordingLogger();
    const outcome = await runBands({
      plan: plan([[1, 1]]),
      workload: selectOne,
      clientConfig: { ...db.config, database: 'pgscale_no_such_db', password: 'hunter2-secret' },
      progressive: progressive(),
      log,
      retryWindowS: 0.5,
    });
    expect(outcome.partial).toBe(true);
    expect(outcome.bands).toEqual([]);
    expect(outcome.partial_reason).toMatch(
      /^band 1 could not open 1 connections: database "pgscale_no_such_db" does not exist/,
    );
    expect(JSON.stringify({ outcome, lines: log.lines })).not.toContain('hunter2-secret');
  });
});
