// Workloads against the real PostgreSQL 15: pgbench -i equivalence, pgbench compatibility,
// real SQL effects of the built-in and custom scripts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ScriptRuntimeError,
  checkSchema,
  loadWorkload,
  missingSchemaError,
  type Workload,
} from '../../../src/workload/index.js';
import { ScriptWorkload } from '../../../src/workload/engine.js';

const HOST = '127.0.0.1';
const DB = `pgscale_t_workload_${process.pid}`;
const REF_DB = `pgscale_t_workload_ref_${process.pid}`;
const connect = async (database: string): Promise<pg.Client> => {
  const c = new pg.Client({ host: HOST, port: 5432, user: 'postgres', database });
  await c.connect();
  return c;
};
const pgbench = (args: string[], db = DB) =>
  spawnSync('pgbench', [...args, '-h', HOST, '-U', 'postgres', db], { encoding: 'utf8', timeout: 60_000 });

let admin: pg.Client;
let client: pg.Client;
const dir = mkdtempSync(path.join(tmpdir(), 'pgscale-wl-pg-'));
const logs: string[] = [];
const log = (line: string): void => void logs.push(line);

beforeAll(async () => {
  admin = await connect('postgres');
  for (const db of [DB, REF_DB]) {
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`CREATE DATABASE ${db}`);
  }
  client = await connect(DB);
  // Fewer fsync waits: the assertions are about SQL effects, not durability.
  await client.query('SET synchronous_commit = off');
});

afterAll(async () => {
  await client?.end();
  for (const db of [DB, REF_DB]) await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything pgbench -i decides: columns, storage options, keys, and every row's content. */
async function fingerprint(c: pg.Client): Promise<Record<string, unknown>> {
  const cols = await c.query(`
    select table_name, column_name, data_type, character_maximum_length, is_nullable, ordinal_position
    from information_schema.columns where table_name like 'pgbench%' order by table_name, ordinal_position`);
  const rel = await c.query(
    `select relname, reloptions, relkind from pg_class where relname like 'pgbench%' order by relname`,
  );
  const idx = await c.query(`select indexdef from pg_indexes where tablename like 'pgbench%' order by indexname`);
  const cons = await c.query(
    `select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid::regclass::text like 'pgbench%' order by conname`,
  );
  const data: Record<string, unknown> = {};
  for (const [t, key] of [
    ['pgbench_branches', 'bid'],
    ['pgbench_tellers', 'tid'],
    ['pgbench_accounts', 'aid'],
    ['pgbench_history', 'aid'],
  ] as const) {
    const r = await c.query(
      `select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x.${key}), '')) as h from ${t} x`,
    );
    data[t] = r.rows[0];
  }
  return { cols: cols.rows, rel: rel.rows, idx: idx.rows, cons: cons.rows, data };
}

describe('built-in workloads', () => {
  let tpcb: Workload;

  it('checkSchema lists the missing pgbench tables before setup', async () => {
    tpcb = await loadWorkload({ kind: 'builtin', name: 'tpcb' });
    const missing = await checkSchema(client, tpcb);
    expect(missing).toEqual(['pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers']);
    expect(missingSchemaError(tpcb, missing).message).toBe(
      'workload "tpcb": missing tables pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers; run again with --setup to create them',
    );
  });

  it('setup at scale 1 builds exactly what pgbench -i -s 1 builds', async () => {
    await tpcb.setup(client, 1, log);
    expect(logs.some((l) => l.includes('generating data server-side'))).toBe(true);
    const init = pgbench(['-i', '-s', '1', '-q'], REF_DB);
    expect(init.status, init.stderr).toBe(0);
    const ref = await connect(REF_DB);
    try {
      const mine = await fingerprint(client);
      const theirs = await fingerprint(ref);
      expect(mine).toEqual(theirs);
      expect(mine.data).toMatchObject({
        pgbench_branches: { n: 1 },
        pgbench_tellers: { n: 10 },
        pgbench_accounts: { n: 100000 },
        pgbench_history: { n: 0 },
      });
    } finally {
      await ref.end();
    }
    expect(await checkSchema(client, tpcb)).toEqual([]);
  });

  it('a tpcb transaction moves the same delta through accounts, tellers, branches and history', async () => {
    const workers = [tpcb.createWorker(1, 42), tpcb.createWorker(2, 42)];
    let statements = 0;
    for (let i = 0; i < 300; i++) statements += await workers[i % 2]!.runTransaction(client);
    expect(statements).toBe(300 * 7);
    const r = await client.query(`select
      (select sum(abalance) from pgbench_accounts)::bigint as a,
      (select sum(tbalance) from pgbench_tellers)::bigint as t,
      (select sum(bbalance) from pgbench_branches)::bigint as b,
      (select sum(delta) from pgbench_history)::bigint as h,
      (select count(*) from pgbench_history)::int as n,
      (select count(*) from pgbench_history where aid not between 1 and 100000 or tid not between 1 and 10 or bid <> 1 or abs(delta) > 5000)::int as out_of_range`);
    const row = r.rows[0];
    expect(row.n).toBe(300);
    expect(row.out_of_range).toBe(0);
    expect(row.a).toBe(row.h);
    expect(row.t).toBe(row.h);
    expect(row.b).toBe(row.h);
    // Per account, the balance is the sum of its history deltas.
    const mismatched = await client.query(`select count(*)::int as n from pgbench_accounts a
      join (select aid, sum(delta) s from pgbench_history group by aid) h using (aid) where a.abalance <> h.s`);
    expect(mismatched.rows[0].n).toBe(0);
    // Statements went through named prepared statements with bind parameters.
    const ps = await client.query(`select statement from pg_prepared_statements order by statement`);
    expect(ps.rows.map((x) => x.statement)).toContain(
      'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
    );
  });

  it('select-only and simple-update run their statements', async () => {
    const so = await loadWorkload({ kind: 'builtin', name: 'select-only' });
    expect(await so.createWorker(1, 1).runTransaction(client)).toBe(1);
    const su = await loadWorkload({ kind: 'builtin', name: 'simple-update' });
    const before = await client.query('select count(*)::int as n from pgbench_history');
    expect(await su.createWorker(1, 1).runTransaction(client)).toBe(5);
    const after = await client.query('select count(*)::int as n from pgbench_history');
    expect(after.rows[0].n).toBe(before.rows[0].n + 1);
  });

  it('setup is idempotent: a second run restores the fresh state pgbench -i makes', async () => {
    const ref = await connect(REF_DB);
    try {
      await tpcb.setup(client, 1, log);
      expect(await fingerprint(client)).toEqual(await fingerprint(ref));
    } finally {
      await ref.end();
    }
  });

  it('checkSchema takes :scale from pgbench_branches, as pgbench does', async () => {
    const w = await loadWorkload({ kind: 'builtin', name: 'select-only' }, undefined, { scale: 7 });
    expect((w as ScriptWorkload).scale).toBe(7);
    expect(await checkSchema(client, w)).toEqual([]);
    expect((w as ScriptWorkload).scale).toBe(1);
  });

  it('pgbench -n -b select-only and -b tpcb-like run unchanged against the pgscale-prepared database', () => {
    for (const b of ['select-only', 'tpcb-like']) {
      const r = pgbench(['-n', '-b', b, '-T', '2', '-c', '2']);
      expect(r.status, `${b}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/number of failed transactions: 0/);
    }
  });
});

describe('custom script workloads', () => {
  it('binds :vars as parameters; values never become SQL text', async () => {
    writeFileSync(path.join(dir, 'inj-setup.sql'), 'DROP TABLE IF EXISTS inj; CREATE TABLE inj(v text, w text);');
    writeFileSync(
      path.join(dir, 'inj.sql'),
      "\\set x 1.5e3\n\\set b 1 < 2\n\\set h hash(-1, 0)\nINSERT INTO inj(v, w) VALUES (:x || ';DROP TABLE inj;--', ':x');\nINSERT INTO inj VALUES (:b, :h);\n",
    );
    const w = await loadWorkload(
      {
        kind: 'scripts',
        name: 'inj',
        scripts: [{ file: path.join(dir, 'inj.sql'), weight: 1 }],
        setup: [path.join(dir, 'inj-setup.sql')],
      },
      dir,
    );
    expect(await checkSchema(client, w)).toEqual(['inj']);
    await w.setup(client, 1, log);
    expect(await checkSchema(client, w)).toEqual([]);
    expect(await w.createWorker(1, 1).runTransaction(client)).toBe(2);
    const rows = await client.query('select v, w from inj order by v');
    expect(rows.rows).toEqual([
      { v: '1500;DROP TABLE inj;--', w: ':x' },
      { v: 'true', w: '4219408603045787357' },
    ]);
    const ps = await client.query(
      `select statement from pg_prepared_statements where statement like 'INSERT INTO inj%' order by statement`,
    );
    expect(ps.rows.map((r) => r.statement)).toEqual([
      'INSERT INTO inj VALUES ($1, $2)',
      "INSERT INTO inj(v, w) VALUES ($1 || ';DROP TABLE inj;--', ':x')",
    ]);
  });

  it('computes the same values as pgbench itself for the same script', async () => {
    const exprs = [
      'hash(10)',
      'hash_fnv1a(:client_id + 12345)',
      'hash_murmur2(-77, 3)',
      '7 / -2',
      '-7 % 3',
      '0.1 + 0.2',
      'least(3, 2.5, 7)',
      'int(2.5)',
      '1e20',
      'sqrt(2)',
      'pi() * 2',
      'abs(-9223372036854775807)',
      '5 % -1',
      'hash(10) % 1000',
      '(2 < 3) and not false',
      '123456789012345678.0',
      '1.0 / 3',
      ':scale * 100000',
      'greatest(1, 2.0)',
    ];
    const lines = ['\\set default_seed 777', ...exprs.map((e, i) => `\\set v${i} ${e}`)];
    const values = exprs.map((_, i) => `(${i}, :v${i})`).join(', ');
    const body = (table: string) => `${lines.join('\n')}\nINSERT INTO ${table} VALUES ${values};\n`;
    await client.query(
      'DROP TABLE IF EXISTS cmp_pgbench, cmp_pgscale; CREATE TABLE cmp_pgbench(i int, v text); CREATE TABLE cmp_pgscale(i int, v text);',
    );
    writeFileSync(path.join(dir, 'cmp_pgbench.sql'), body('cmp_pgbench'));
    writeFileSync(path.join(dir, 'cmp_pgscale.sql'), body('cmp_pgscale'));
    const r = pgbench(['-n', '-M', 'prepared', '-t', '1', '-f', path.join(dir, 'cmp_pgbench.sql')]);
    expect(r.status, r.stderr).toBe(0);
    const w = await loadWorkload(
      { kind: 'scripts', name: 'cmp', scripts: [{ file: path.join(dir, 'cmp_pgscale.sql'), weight: 1 }], setup: [] },
      dir,
    );
    await w.createWorker(1, 99).runTransaction(client);
    const a = await client.query('select i, v from cmp_pgbench order by i');
    const b = await client.query('select i, v from cmp_pgscale order by i');
    expect(b.rows).toHaveLength(exprs.length);
    expect(b.rows).toEqual(a.rows);
  });

  it('chooses scripts by weight, runs each as one transaction and autocommits without BEGIN', async () => {
    await client.query('DROP TABLE IF EXISTS picks; CREATE TABLE picks(tag text, client int, r int)');
    writeFileSync(
      path.join(dir, 'a.sql'),
      "\\set r random(1, 10)\nINSERT INTO picks VALUES ('a', :client_id, :r);\n\\sleep 0 ms\n",
    );
    writeFileSync(
      path.join(dir, 'b.sql'),
      "INSERT INTO picks VALUES ('b', :client_id, 0);\nINSERT INTO picks VALUES ('b2', :client_id, 1 / 0);\n",
    );
    const w = await loadWorkload(
      {
        kind: 'scripts',
        name: 'mix',
        scripts: [
          { file: path.join(dir, 'a.sql'), weight: 3 },
          { file: path.join(dir, 'b.sql'), weight: 1 },
        ],
        setup: [],
      },
      dir,
    );
    const worker = w.createWorker(3, 5);
    let a = 0;
    let failures = 0;
    for (let i = 0; i < 4000; i++) {
      try {
        expect(await worker.runTransaction(client)).toBe(1);
        a++;
      } catch (error) {
        // Script b's second statement divides by zero on the server: its first insert stays,
        // because without BEGIN each statement autocommits, as in pgbench.
        expect((error as { code?: string }).code).toBe('22012');
        failures++;
      }
    }
    expect(a / 4000).toBeGreaterThan(0.73);
    expect(a / 4000).toBeLessThan(0.77);
    const counts = await client.query(
      `select tag, count(*)::int as n, min(client) as c, min(r) as lo, max(r) as hi from picks group by tag order by tag`,
    );
    expect(counts.rows).toEqual([
      { tag: 'a', n: a, c: 2, lo: 1, hi: 10 },
      { tag: 'b', n: failures, c: 2, lo: 0, hi: 0 },
    ]);
  });

  it('a script runtime error rejects with code SCRIPT', async () => {
    writeFileSync(path.join(dir, 'div.sql'), '\\set z 0\n\\set x 1 / :z\nSELECT :x;\n');
    const w = await loadWorkload(
      { kind: 'scripts', name: 'div', scripts: [{ file: path.join(dir, 'div.sql'), weight: 1 }], setup: [] },
      dir,
    );
    const err = await w
      .createWorker(1, 1)
      .runTransaction(client)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptRuntimeError);
    expect((err as ScriptRuntimeError).code).toBe('SCRIPT');
    expect((err as Error).message).toBe('div.sql:2: division by zero');
  });
});
