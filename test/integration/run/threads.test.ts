// Bands driven by several event loops (progressive.client_threads). Client threads need the
// built thread entry (dist/band-thread.js), so these tests run the bundled CLI, as a user would,
// and check its numbers against what the server committed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BandResult, ResultsDocument } from '../../../src/results/types.js';
import { runCli, scratchDir } from '../../support/reliability-helpers.js';
import { createTestDatabase } from '../../support/run-helpers.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let url: string;
const scratch = scratchDir('pgscale-threads-');

beforeAll(async () => {
  db = await createTestDatabase('threads');
  url = `postgres://postgres@127.0.0.1:5432/${db.name}`;
});
afterAll(async () => {
  await db.drop();
  scratch.remove();
});

// Each committed transaction leaves one row stamped with its worker's :client_id and the
// server's clock; one in ten fails on a division by zero and leaves nothing.
const SCRIPT = `\\set bad random(1, 10)
BEGIN;
INSERT INTO ticks(client) VALUES (:client_id);
SELECT 1 / (:bad - 1);
END;
`;
const SETUP =
  'DROP TABLE IF EXISTS ticks; CREATE TABLE ticks (client int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());\n';

function config(out: string, threads: number | string): string {
  scratch.write('ticks.sql', SCRIPT);
  scratch.write('setup.sql', SETUP);
  return scratch.write(
    `threads-${threads}.yaml`,
    'progressive:\n  min_workers: 3\n  max_workers: 5\n  step_workers: 2\n  band_duration: 2s\n  warmup_time: 0.5s\n' +
      `  cooldown_time: 0s\n  client_threads: ${threads}\n  max_error_rate: 1\n  export_format: json\n  export_path: ${out}\n` +
      'workload:\n  name: ticks\n  scripts: [{ file: ticks.sql, weight: 1 }]\n  setup: [setup.sql]\n',
  );
}

async function committedIn(band: BandResult): Promise<{ n: number; clients: number[] }> {
  const client = new pg.Client(db.config);
  await client.connect();
  try {
    const start = new Date(band.started_at);
    const end = new Date(start.getTime() + band.duration_s * 1000);
    const rows = await client.query<{ n: number; clients: number[] }>(
      'SELECT count(*)::int AS n, array_agg(DISTINCT client ORDER BY client) AS clients FROM ticks WHERE at >= $1 AND at < $2',
      [start, end],
    );
    return rows.rows[0]!;
  } finally {
    await client.end();
  }
}

/**
 * How far the server's count of rows stamped inside the window may differ from the band's count
 * of commits inside it: a row is stamped at its INSERT, a commit counted at its END, so each
 * connection can straddle each edge once (2·C, +2 slack); and started_at is written to the
 * millisecond, which moves each edge by up to 1 ms of transactions.
 */
function edgeTolerance(band: BandResult): number {
  return 2 * band.connections + 2 + Math.ceil((2 * band.total_tps) / 1000);
}

describe('client threads', () => {
  it('two loops: one band result per band of the grid, counts that match the server, every worker once, errors merged', async () => {
    const out = join(scratch.dir, 'two');
    const result = await runCli(['--config', config(out, 2), '--database-url', url, '--setup']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    // The grid's bands split unevenly too: 3 workers on 5 connections, 5 workers on 3.
    expect(doc.bands.map((b) => [b.workers, b.connections])).toEqual([
      [3, 3],
      [3, 5],
      [5, 3],
      [5, 5],
    ]);
    for (const band of doc.bands) {
      expect(band.client.threads).toBe(2);
      expect(band.client.loops).toHaveLength(2);
      for (const loop of band.client.loops!) {
        expect(loop.event_loop_utilization).toBeGreaterThan(0);
        expect(loop.event_loop_utilization).toBeLessThanOrEqual(1);
      }
      // The band's ELU is its busiest loop's.
      expect(band.client.event_loop_utilization).toBe(
        Math.max(...band.client.loops!.map((l) => l.event_loop_utilization)),
      );

      // Each loop's window opens a message later than the main thread's; a transaction that
      // commits across an edge may fall either side: at most one per connection per edge, plus
      // what the loops commit in the few milliseconds of message latency (1%).
      const server = await committedIn(band);
      const tolerance = edgeTolerance(band) + Math.ceil(0.01 * band.transactions);
      expect(
        Math.abs(server.n - band.transactions),
        JSON.stringify({ server: server.n, counted: band.transactions }),
      ).toBeLessThanOrEqual(tolerance);
      // Worker ids are band-wide: pgbench's :client_id runs 0 … W−1 across both loops.
      expect(server.clients).toEqual(Array.from({ length: band.workers }, (_, i) => i));

      // Histograms and per-second series hold every share's transactions.
      expect(band.latency.count).toBe(band.transactions);
      expect(band.service_time.count).toBe(band.transactions);
      const seriesSum = band.tps_series.reduce((a, b) => a + b, 0);
      expect(seriesSum).toBeLessThanOrEqual(band.transactions);
      expect(seriesSum).toBeGreaterThan(0.9 * band.transactions);
      expect(band.p95_series_ms).toHaveLength(band.tps_series.length);
      for (const p95 of band.p95_series_ms!) expect(p95).toBeGreaterThan(0);
      expect(band.p95_series_ms!.every((p95) => p95! <= band.latency.max_ms!)).toBe(true);

      // One in ten fails: 10% of attempts, within 5 standard errors.
      const attempts = band.transactions + band.failed_transactions;
      expect(Object.keys(band.errors)).toEqual(['22012']);
      expect(band.errors['22012']).toBe(band.failed_transactions);
      const se = Math.sqrt((0.1 * 0.9) / attempts);
      expect(Math.abs(band.failed_transactions / attempts - 0.1)).toBeLessThan(5 * se);
    }
    // Both loops saw 22012; the run reports its first one once.
    expect(result.stderr.match(/first 22012 error: division by zero/g)).toHaveLength(1);
  }, 90_000);

  it('client_threads: 1 keeps every worker on the main loop', async () => {
    const out = join(scratch.dir, 'one');
    const result = await runCli(['--config', config(out, 1), '--database-url', url, '--setup']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    for (const band of doc.bands) {
      expect(band.client.threads).toBe(1);
      expect(band.client.loops).toBeUndefined();
      const server = await committedIn(band);
      expect(
        Math.abs(server.n - band.transactions),
        JSON.stringify({ server: server.n, counted: band.transactions }),
      ).toBeLessThanOrEqual(edgeTolerance(band));
    }
  }, 90_000);

  it('a bad client_threads value is a one-line error naming the field and its place', async () => {
    const out = join(scratch.dir, 'bad');
    const result = await runCli(['--config', config(out, 'many'), '--database-url', url]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^[^\n]*threads-many\.yaml:\d+:\d+: progressive\.client_threads: expected "auto" or an integer from 1 to 64[^\n]*$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
