// Faults during a band, through the built CLI against real servers. Restarts and outages use a
// private cluster (system binaries, own port, own directory): the shared server is never restarted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BandResult, ResultsDocument } from '../../../src/results/types.js';
import {
  ADMIN,
  createDatabase,
  prepareSelectOnly,
  runCli,
  scratchDir,
  spawnCli,
  stackLines,
  startPrivateCluster,
  systemPostgresAvailable,
  waitForNoSessions,
  withAdmin,
  type PrivateCluster,
} from '../../support/reliability-helpers.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

function readResults(dir: string): ResultsDocument {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsDocument;
}

function errorSum(band: BandResult | undefined): number {
  return Object.values(band?.errors ?? {}).reduce((a, b) => a + b, 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe.skipIf(!systemPostgresAvailable())('a private server that restarts or goes away mid-run', () => {
  let cluster: PrivateCluster;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    await prepareSelectOnly(cluster.url, scratch, 'private-setup');
  }, 120_000);

  afterAll(() => cluster?.destroy());

  // Transactions that sleep keep every backend busy, so a fault always hits work in flight
  // (a backend killed while idle is replaced without any transaction failing).
  const plan = (out: string, bands = 2): string => {
    scratch.write('busy.sql', 'SELECT pg_sleep(0.02);\n');
    return (
      `progressive:\n  min_workers: 4\n  max_workers: 4\n  min_connections: 2\n  max_connections: ${1 + bands}\n  step_connections: 1\n` +
      `  band_duration: 5s\n  warmup_time: 1s\n  cooldown_time: 0s\n  export_format: both\n  export_path: ${out}\n` +
      'workload:\n  name: busy\n  scripts:\n    - file: busy.sql\n'
    );
  };

  it('a restart mid-band: broken connections are replaced, errors counted by code, every band measured', async () => {
    const out = join(scratch.dir, 'restart');
    const cli = spawnCli(['--config', scratch.write('restart.yaml', plan(out)), '--database-url', cluster.url]);
    await cli.waitFor(/Band 1\/2/);
    await sleep(2500); // inside band 1's measured window
    cluster.restart();
    const result = await cli.done;
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(0);
    expect(stackLines(result.stderr)).toEqual([]);
    const doc = readResults(out);
    expect(doc.partial).toBe(false);
    expect(doc.bands.map((b) => [b.band_id, b.status])).toEqual([
      [1, 'complete'],
      [2, 'complete'],
    ]);
    const hit = doc.bands[0] as BandResult;
    // A fast shutdown terminates sessions with 57P01; in-flight ones may see the socket close.
    expect(errorSum(hit), JSON.stringify(hit.errors)).toBeGreaterThan(0);
    for (const code of Object.keys(hit.errors)) expect(code).toMatch(/^(57P01|57P03|08006|08003|CONNECTION)$/);
    expect(hit.failed_transactions).toBe(errorSum(hit));
    // The band went on after the restart: it committed in its last seconds too.
    expect(hit.tps_series.at(-1)).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/Band 1: replaced \d+ broken connections/);
    // The restart is an outage shorter than the retry window: the band is kept, marked degraded
    // with how long the server was unreachable.
    expect(hit.outage_s, JSON.stringify(hit)).toBeGreaterThan(0);
    expect(hit.outage_s).toBeLessThan(15);
    expect(hit.degraded).toBe(true);
    expect(result.stderr).toMatch(/band 1: degraded, the server was unreachable for \d+\.\ds of the measured window/);
    expect(doc.bands[1]?.transactions).toBeGreaterThan(0);
    expect(errorSum(doc.bands[1])).toBe(0);
    expect(doc.bands[1]?.outage_s).toBe(0);
  }, 90_000);

  it('an outage longer than the retry window: stops, writes partial results with the reason, exits 1, keeps band 1', async () => {
    const out = join(scratch.dir, 'outage');
    // Down from inside band 2 until the CLI exits: band 3 cannot open its pool within the 15 s
    // retry window. (A band that merely ends while the server is down is not a stop.)
    const cli = spawnCli(['--config', scratch.write('outage.yaml', plan(out, 3)), '--database-url', cluster.url]);
    await cli.waitFor(/Band 2\/3/);
    await sleep(2500); // inside band 2's measured window
    cluster.stop();
    try {
      const result = await cli.done;
      const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, context).toBe(1);
      expect(stackLines(result.stderr)).toEqual([]);
      expect(result.stderr).toMatch(/run stopped early: band 3 could not open 4 connections/);
      const doc = readResults(out);
      expect(doc.partial).toBe(true);
      expect(doc.partial_reason).toMatch(/^band 3 could not open 4 connections: /);
      expect(doc.bands[0]?.status).toBe('complete');
      expect(doc.bands[0]?.transactions).toBeGreaterThan(0);
      expect(errorSum(doc.bands[0])).toBe(0);
      // What band 2 measured before the outage is kept too, with the failures counted.
      expect(doc.bands).toHaveLength(2);
      expect(doc.bands[1]?.transactions).toBeGreaterThan(0);
      expect(errorSum(doc.bands[1])).toBeGreaterThan(0);
      const csv = readFileSync(join(out, 'results.csv'), 'utf8');
      expect(csv.trim().split('\n')).toHaveLength(3);
    } finally {
      cluster.start();
    }
  }, 120_000);
});

describe('faults on the shared server', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;

  beforeAll(async () => {
    db = await createDatabase('faults');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pool connections killed with pg_terminate_backend are replaced and counted as 57P01', async () => {
    const out = join(scratch.dir, 'terminate');
    scratch.write('busy.sql', 'SELECT pg_sleep(0.02);\n');
    const config = scratch.write(
      'terminate.yaml',
      `progressive:\n  min_workers: 4\n  max_workers: 4\n  band_duration: 4s\n  warmup_time: 1s\n  cooldown_time: 0s\n  export_path: ${out}\n` +
        'workload:\n  name: busy\n  scripts:\n    - file: busy.sql\n',
    );
    const cli = spawnCli(['--config', config, '--database-url', db.url]);
    await cli.waitFor(/Band 1\/1/);
    await sleep(2500);
    const killed = await withAdmin(ADMIN, async (c) => {
      const r = await c.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pgscale'",
        [db.name],
      );
      return r.rowCount ?? 0;
    });
    expect(killed).toBe(4);
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const band = readResults(out).bands[0] as BandResult;
    expect(band.status).toBe('complete');
    expect(band.errors['57P01'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(band.errors).every((code) => code === '57P01' || code === 'CONNECTION')).toBe(true);
    // Each lost connection fails exactly one transaction: the one on it, or the next to take it.
    expect(band.failed_transactions).toBe(killed);
    expect(band.outage_s).toBe(0);
    expect(band.error_rate).toBeCloseTo(band.failed_transactions / (band.failed_transactions + band.transactions), 10);
    expect(band.tps_series.at(-1)).toBeGreaterThan(0);
    expect(await waitForNoSessions(db.name)).toBe(0);
  }, 90_000);

  const scripts = {
    'setup.sql':
      'DROP TABLE IF EXISTS rel_accounts;\nCREATE TABLE rel_accounts (id int PRIMARY KEY, balance int NOT NULL);\n' +
      'INSERT INTO rel_accounts SELECT g, 100 FROM generate_series(1, 2) g;\n',
    // Write skew under SERIALIZABLE: each reads both rows and updates one → 40001.
    'skew.sql':
      '\\set id random(1, 2)\nBEGIN ISOLATION LEVEL SERIALIZABLE;\nSELECT sum(balance) FROM rel_accounts;\n' +
      'SELECT pg_sleep(0.002);\nUPDATE rel_accounts SET balance = balance - 1 WHERE id = :id;\nCOMMIT;\n',
    // Opposite lock order → 40P01 (deadlock_timeout lowered so it is found fast; we connect as superuser).
    'deadlock.sql':
      "\\set a random(1, 2)\nBEGIN;\nSET LOCAL deadlock_timeout = '10ms';\nUPDATE rel_accounts SET balance = balance + 1 WHERE id = :a;\n" +
      'SELECT pg_sleep(0.005);\nUPDATE rel_accounts SET balance = balance + 1 WHERE id = 3 - :a;\nCOMMIT;\n',
    'timeout.sql': "BEGIN;\nSET LOCAL statement_timeout = '10ms';\nSELECT pg_sleep(0.05);\nCOMMIT;\n",
  };

  function customConfig(name: string, out: string, maxErrorRate: number): string {
    for (const [file, text] of Object.entries(scripts)) scratch.write(join('custom', file), text);
    return scratch.write(
      join('custom', `${name}.yaml`),
      `progressive:\n  min_workers: 8\n  max_workers: 8\n  band_duration: 3s\n  warmup_time: 1s\n  cooldown_time: 0s\n` +
        `  max_error_rate: ${maxErrorRate}\n  export_format: both\n  export_path: ${out}\n` +
        'workload:\n  name: conflicts\n  scripts:\n    - file: skew.sql\n      weight: 4\n    - file: deadlock.sql\n      weight: 2\n' +
        '    - file: timeout.sql\n      weight: 1\n  setup: [setup.sql]\n',
    );
  }

  it('serialization failures, deadlocks and statement timeouts are counted by SQLSTATE; the band is degraded past max_error_rate', async () => {
    const out = join(scratch.dir, 'conflicts');
    const result = await runCli(['--config', customConfig('degraded', out, 0.05), '--database-url', db.url, '--setup']);
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    // The plan's only band is degraded, so every band is: the run has failed, and says why.
    expect(result.code, context).toBe(1);
    expect(result.stdout).toContain('❌ The run failed: every band is degraded.');
    for (const code of ['40001', '40P01', '57014'])
      expect(result.stdout).toMatch(new RegExp(`^   ${code} ×[\\d,]+ at \\S+\\.sql:\\d+: `, 'm'));
    const doc = readResults(out);
    const band = doc.bands[0] as BandResult;
    expect(Object.keys(band.errors).sort(), JSON.stringify(band.errors)).toEqual(['40001', '40P01', '57014']);
    expect(band.failed_transactions).toBe(errorSum(band));
    expect(band.error_rate).toBeGreaterThan(0.05);
    expect(band.degraded).toBe(true);
    expect(result.stderr).toMatch(/band 1: degraded, error rate \d+\.\d% exceeds 5\.0%/);
    // The first error of each code is logged once, with its message.
    expect(result.stderr).toMatch(/first 40001 error: could not serialize access/);
    expect(result.stderr).toMatch(/first 57014 error: canceling statement due to statement timeout/);
    expect(result.stderr).toMatch(/first 40P01 error: deadlock detected/);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8');
    expect(csv).toMatch(/40001=\d+/);
    // The survivors kept committing.
    expect(band.transactions).toBeGreaterThan(0);
  }, 90_000);

  it('the same errors under a threshold they do not cross leave the band not degraded', async () => {
    const out = join(scratch.dir, 'conflicts-lenient');
    const result = await runCli(['--config', customConfig('lenient', out, 1), '--database-url', db.url, '--setup']);
    expect(result.code, result.stderr).toBe(0);
    const band = readResults(out).bands[0] as BandResult;
    expect(band.error_rate).toBeGreaterThan(0);
    expect(band.degraded).toBe(false);
    expect(result.stderr).not.toMatch(/degraded/);
  }, 90_000);
});
