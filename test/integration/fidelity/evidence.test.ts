// PostgreSQL's evidence per band from pg_stat_statements, on an embedded server that preloads it
// (the shared server does not, and must not be restarted), and latency accounting in rate mode.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../../../src/db/embedded.js';
import { runBands } from '../../../src/run/runner.js';
import { loadWorkload } from '../../../src/workload/index.js';
import { createTestDatabase, plan, progressive, recordingLogger, sleep5ms } from '../../support/run-helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pgscale-evidence-'));

describe('pg_stat_statements top statements', () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbedded(recordingLogger(), {
      postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'],
    });
    const client = new pg.Client(server.clientConfig);
    await client.connect();
    await client.query('CREATE EXTENSION pg_stat_statements');
    await client.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('ranks the band’s statements by total time from pg_stat_statements deltas', async () => {
    const file = path.join(dir, 'two.sql');
    // One slow statement (≥ 4 ms each) and one fast one, the same number of times.
    writeFileSync(file, 'SELECT pg_sleep(0.004);\nSELECT 1 + 1;\n');
    const workload = await loadWorkload({ kind: 'scripts', name: 'two', scripts: [{ file, weight: 1 }], setup: [] });
    const log = recordingLogger();
    const outcome = await runBands({
      plan: plan([[2, 2]], 2, 0.3),
      workload,
      clientConfig: server.clientConfig,
      progressive: progressive({ collect_pg_stats: true, pg_stat_statements: true }),
      log,
    });
    const band = outcome.bands[0]!;
    const top = band.pg_stats!.top_statements!;
    expect(top).not.toBeNull();
    expect(log.lines.filter((l) => l.includes('pg_stat_statements'))).toEqual([]);
    expect(top[0]!.query).toMatch(/pg_sleep/);
    expect(top[0]!.mean_time_ms).toBeGreaterThanOrEqual(4);
    const fast = top.find((s) => /1 \+ 1|\$1 \+ \$2/.test(s.query));
    expect(fast).toBeDefined();
    expect(fast!.total_time_ms).toBeLessThan(top[0]!.total_time_ms);
    // Deltas cover the measured window: one call per transaction, give or take the
    // transactions in flight at its edges (at most one per worker at each end).
    expect(Math.abs(top[0]!.calls - band.transactions)).toBeLessThanOrEqual(2 * band.workers);
    // Sorted by total time, largest first.
    for (let i = 1; i < top.length; i++)
      expect(top[i - 1]!.total_time_ms).toBeGreaterThanOrEqual(top[i]!.total_time_ms);
  });
});

describe('rate mode latency', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('fidelity_rate');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('an overloaded rate reports latency from the scheduled start: schedule lag + pool wait + service', async () => {
    const outcome = await runBands({
      // Two workers doing ≥ 5 ms transactions top out near 400 TPS; ask for 2000.
      plan: plan([[2, 2]], 2, 0.2, 0, { rate: 2000 }),
      workload: sleep5ms,
      clientConfig: db.config,
      progressive: progressive(),
      log: recordingLogger(),
    });
    const band = outcome.bands[0]!;
    expect(band.rate!.held).toBe(false);
    const lag = band.rate!.lag_mean_ms;
    const wait = band.pool_wait.mean_ms!;
    const service = band.service_time.mean_ms!;
    // Each transaction's latency is exactly lag + wait + service; the means differ only by the
    // transactions whose lag was counted but which had not finished when the window closed.
    expect(band.latency.mean_ms!).toBeGreaterThan(lag * 0.8);
    expect(Math.abs(band.latency.mean_ms! - (lag + wait + service)) / band.latency.mean_ms!).toBeLessThan(0.1);
    // The backlog grows for the whole band: the worst case is far beyond any service time.
    expect(band.latency.max_ms!).toBeGreaterThan(100 * service);
  });
});
