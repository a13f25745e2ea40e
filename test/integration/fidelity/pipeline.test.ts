// Pipelining the statements of an explicit transaction: when it applies, that it really sends a
// transaction in one socket write, and that errors keep pgbench's stop-at-first-error semantics.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBands } from '../../../src/run/runner.js';
import { pipelineBlock } from '../../../src/workload/engine.js';
import { checkSchema, loadWorkload } from '../../../src/workload/index.js';
import { compileScript, parseScript } from '../../../src/workload/script.js';
import { BUILTIN_SCRIPTS } from '../../../src/workload/builtin.js';
import type { BandPlan } from '../../../src/plan/types.js';
import { createTestDatabase, plan, progressive, recordingLogger } from '../../support/run-helpers.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let observer: pg.Client;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pgscale-fidelity-'));

function compiled(text: string) {
  return compileScript(parseScript(text, 'x.sql'), 0);
}

async function scriptWorkload(name: string, text: string) {
  const file = path.join(dir, `${name}.sql`);
  writeFileSync(file, text);
  return loadWorkload({ kind: 'scripts', name, scripts: [{ file, weight: 1 }], setup: [] });
}

/** Runs `script` as a pipelined workload over `bandPlan`, tolerating every error; returns the first band. */
async function runPipelined(name: string, script: string, bandPlan: BandPlan) {
  const outcome = await runBands({
    plan: { ...bandPlan, max_error_rate: 1, pipeline: true },
    workload: await scriptWorkload(name, script),
    clientConfig: db.config,
    progressive: progressive(),
    log: recordingLogger(),
  });
  return outcome.bands[0]!;
}

beforeAll(async () => {
  db = await createTestDatabase('fidelity_pipe');
  observer = new pg.Client(db.config);
  await observer.connect();
  await observer.query('CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL)');
});

afterAll(async () => {
  await observer?.end();
  await db?.drop();
});

describe('pipelineBlock', () => {
  it('pipelines the BEGIN…END block of tpcb and simple-update, and nothing else', () => {
    const tpcb = compiled(BUILTIN_SCRIPTS.tpcb);
    // Four \set steps, then BEGIN at step 4 and END at step 10.
    expect(pipelineBlock(tpcb.steps)).toEqual({ begin: 4, end: 10 });
    expect(pipelineBlock(compiled(BUILTIN_SCRIPTS['simple-update']).steps)).toEqual({ begin: 4, end: 8 });
    expect(pipelineBlock(compiled(BUILTIN_SCRIPTS['select-only']).steps)).toBeNull();
  });

  it('refuses autocommit scripts, sleeps inside the block and nested transaction control', () => {
    expect(pipelineBlock(compiled('SELECT 1;\nSELECT 2;\nSELECT 3;\n').steps)).toBeNull();
    expect(pipelineBlock(compiled('BEGIN;\nSELECT 1;\n\\sleep 1 ms\nSELECT 2;\nEND;\n').steps)).toBeNull();
    expect(pipelineBlock(compiled('BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nEND;\n').steps)).toBeNull();
    expect(pipelineBlock(compiled('BEGIN;\nSAVEPOINT a;\nSELECT 2;\nEND;\n').steps)).toBeNull();
    expect(pipelineBlock(compiled('BEGIN;\nSELECT 1;\nROLLBACK;\n').steps)).toBeNull();
    // \set between statements is fine (evaluated as the statements are queued); COMMIT ends too.
    expect(
      pipelineBlock(
        compiled('\\set a 1\nSTART TRANSACTION;\nSELECT :a;\n\\set a 2\nSELECT :a;\nCOMMIT;\n\\sleep 1 ms\n').steps,
      ),
    ).toEqual({
      begin: 1,
      end: 5,
    });
  });
});

describe('pipelined transactions on the server', () => {
  it('send a whole tpcb transaction in one socket write, and stay one statement per write without pipeline mode', async () => {
    await observer.query(`CREATE TABLE pgbench_branches(bid int primary key, bbalance int, filler char(88));
      CREATE TABLE pgbench_tellers(tid int primary key, bid int, tbalance int, filler char(84));
      CREATE TABLE pgbench_accounts(aid int primary key, bid int, abalance int, filler char(84));
      CREATE TABLE pgbench_history(tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
      INSERT INTO pgbench_branches SELECT 1, 0;
      INSERT INTO pgbench_tellers SELECT t, 1, 0 FROM generate_series(1, 10) t;
      INSERT INTO pgbench_accounts SELECT a, 1, 0, '' FROM generate_series(1, 100000) a;`);
    const workload = await loadWorkload({ kind: 'builtin', name: 'tpcb' });
    const writesPerTransaction = async (pipeline: boolean): Promise<number> => {
      const client = new pg.Client({ ...db.config, pipeline });
      await client.connect();
      await checkSchema(client, workload);
      const stream = (client as unknown as { connection: { stream: { _write: Function; _writev: Function } } })
        .connection.stream;
      let writes = 0;
      const write = stream._write.bind(stream);
      const writev = stream._writev.bind(stream);
      stream._write = (...args: unknown[]) => {
        writes++;
        return write(...args);
      };
      stream._writev = (...args: unknown[]) => {
        writes++;
        return writev(...args);
      };
      const session = workload.createWorker(1, 7);
      await session.runTransaction(client); // parses the statements once
      writes = 0;
      for (let i = 0; i < 20; i++) expect(await session.runTransaction(client)).toBe(7);
      const perTransaction = writes / 20;
      await client.end();
      return perTransaction;
    };
    expect(await writesPerTransaction(true)).toBe(1);
    expect(await writesPerTransaction(false)).toBe(7);
    // Every committed transaction moved the same delta through all four tables.
    const sums = await observer.query<{ a: string; t: string; b: string; h: string; n: string }>(`SELECT
      (SELECT sum(abalance) FROM pgbench_accounts) a, (SELECT sum(tbalance) FROM pgbench_tellers) t,
      (SELECT sum(bbalance) FROM pgbench_branches) b, (SELECT sum(delta) FROM pgbench_history) h,
      (SELECT count(*) FROM pgbench_history) n`);
    const r = sums.rows[0]!;
    expect(Number(r.n)).toBe(42);
    expect([r.a, r.t, r.b]).toEqual([r.h, r.h, r.h]);
  });

  it('inside BEGIN…END, the first error aborts the transaction: nothing commits, only its SQLSTATE is counted', async () => {
    await observer.query('TRUNCATE items');
    const band = await runPipelined(
      'explicit',
      `\\set id random(1, 1000000000)
\\set zero 0
BEGIN;
INSERT INTO items VALUES (:id, 1);
SELECT 1 / :zero;
INSERT INTO items VALUES (:id + 1000000000000, 2);
END;
`,
      plan([[2, 2]], 1, 0.2),
    );
    expect(band.transactions).toBe(0);
    expect(band.failed_transactions).toBeGreaterThan(10);
    // 25P02 (in failed transaction) for the statements behind the error is not counted.
    expect(band.errors).toEqual({ '22012': band.failed_transactions });
    const rows = await observer.query<{ n: string }>('SELECT count(*) AS n FROM items');
    expect(Number(rows.rows[0]!.n)).toBe(0);
    // The connections were left usable: no transaction stayed open.
    const open = await observer.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
      [db.name],
    );
    expect(Number(open.rows[0]!.n)).toBe(0);
  });

  it('without BEGIN, statements run one by one and stop at the first error, as pgbench does', async () => {
    await observer.query('TRUNCATE items');
    const band = await runPipelined(
      'autocommit',
      `\\set id random(1, 1000000000)
\\set zero 0
INSERT INTO items VALUES (:id, 1);
SELECT 1 / :zero;
INSERT INTO items VALUES (:id + 1000000000000, 2);
`,
      plan([[2, 2]], 1, 0.2),
    );
    expect(band.errors).toEqual({ '22012': band.failed_transactions });
    const counts = await observer.query<{ first: string; after: string }>(
      'SELECT count(*) FILTER (WHERE v = 1) AS first, count(*) FILTER (WHERE v = 2) AS after FROM items',
    );
    // The first INSERT autocommitted every time (warm-up included); the one after the error never ran.
    expect(Number(counts.rows[0]!.first)).toBeGreaterThanOrEqual(band.failed_transactions);
    expect(Number(counts.rows[0]!.after)).toBe(0);
  });

  it('a pipelined script whose later statement fails on data commits nothing of that transaction', async () => {
    await observer.query('TRUNCATE items');
    await observer.query('INSERT INTO items VALUES (-1, 0)');
    // Every other transaction collides on the primary key in its last statement.
    const band = await runPipelined(
      'collide',
      `\\set id random(1, 1000000000)
\\set clash random(0, 1)
\\set neg 0 - :clash
BEGIN;
INSERT INTO items VALUES (:id * 2 + :clash, 1);
INSERT INTO items VALUES (:neg, 2);
DELETE FROM items WHERE id = 0;
END;
`,
      plan([[1, 1]], 1, 0),
    );
    expect(band.transactions).toBeGreaterThan(5);
    expect(band.failed_transactions).toBeGreaterThan(5);
    expect(Object.keys(band.errors)).toEqual(['23505']);
    // Odd ids come only from transactions that collide (clash = 1): none of their rows committed.
    const rows = await observer.query<{ odd: string; even: string }>(
      'SELECT count(*) FILTER (WHERE id % 2 = 1) AS odd, count(*) FILTER (WHERE id % 2 = 0) AS even FROM items WHERE v = 1',
    );
    expect(Number(rows.rows[0]!.odd)).toBe(0);
    expect(Number(rows.rows[0]!.even)).toBeGreaterThanOrEqual(band.transactions);
  });
});
