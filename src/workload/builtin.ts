// pgbench's built-in workloads, written as the pgbench scripts they are (PostgreSQL 15's
// tpcb-like, select-only and simple-update), and pgbench -i's schema and data, generated
// server-side as `pgbench -i -I dtGvp` does.

import { UserError } from '../errors.js';
import type { BuiltinWorkloadName } from '../config/types.js';
import type { WorkloadClient } from './types.js';

export const builtinWorkloadNames: readonly BuiltinWorkloadName[] = ['tpcb', 'select-only', 'simple-update'];

export const PGBENCH_TABLES = ['pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers'];

const SET_ALL = `\\set aid random(1, 100000 * :scale)
\\set bid random(1, 1 * :scale)
\\set tid random(1, 10 * :scale)
\\set delta random(-5000, 5000)
`;

export const BUILTIN_SCRIPTS: Record<BuiltinWorkloadName, string> = {
  tpcb: `${SET_ALL}BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`,
  'simple-update': `${SET_ALL}BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`,
  'select-only': `\\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
`,
};

/** pgbench's naccounts, nbranches, ntellers per unit of scale. */
const ACCOUNTS = 100000;
const TELLERS = 10;
/** pgbench switches aid to bigint from this scale on (SCALE_32BIT_THRESHOLD). */
const SCALE_32BIT_THRESHOLD = 20000;
/** Accounts are inserted in chunks of this many rows so progress can be logged. */
const ACCOUNT_CHUNK = 1_000_000;

export function checkScale(scale: number): void {
  if (!Number.isSafeInteger(scale) || scale < 1)
    throw new UserError(`scale: expected a positive integer, got ${scale}`);
  if (scale * ACCOUNTS > 2 ** 53) throw new UserError(`scale: ${scale} is too large`);
}

/**
 * Creates pgbench's four tables exactly as `pgbench -i` does (columns, fillfactor, primary keys)
 * and fills them server-side. Always drops and recreates, so every run yields the same state.
 */
export async function setupPgbench(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void> {
  checkScale(scale);
  const started = performance.now();
  const aid = scale >= SCALE_32BIT_THRESHOLD ? 'bigint' : 'int';
  const accounts = ACCOUNTS * scale;
  log(`setup: dropping old pgbench tables`);
  await client.query('drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers');
  log(`setup: creating tables (scale ${scale})`);
  await client.query(
    `create table pgbench_history(tid int,bid int,aid ${aid},delta int,mtime timestamp,filler char(22))`,
  );
  await client.query(
    'create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)',
  );
  await client.query(
    `create table pgbench_accounts(aid ${aid} not null,bid int,abalance int,filler char(84)) with (fillfactor=100)`,
  );
  await client.query(
    'create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)',
  );
  log(`setup: generating data server-side: ${scale} branches, ${TELLERS * scale} tellers, ${accounts} accounts`);
  await client.query('begin');
  try {
    await client.query('truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers');
    await client.query(
      `insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, ${scale}) as bid`,
    );
    await client.query(
      'insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / ' +
        `${TELLERS} + 1, 0 from generate_series(1, ${TELLERS * scale}) as tid`,
    );
    for (let from = 1; from <= accounts; from += ACCOUNT_CHUNK) {
      const to = Math.min(accounts, from + ACCOUNT_CHUNK - 1);
      await client.query(
        'insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) ' +
          `/ ${ACCOUNTS} + 1, 0, '' from generate_series(${from}::${aid}, ${to}) as aid`,
      );
      log(`setup: ${to} of ${accounts} accounts generated (${Math.round((100 * to) / accounts)}%)`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  log('setup: vacuuming');
  for (const t of ['pgbench_branches', 'pgbench_tellers', 'pgbench_accounts', 'pgbench_history'])
    await client.query(`vacuum analyze ${t}`);
  log('setup: creating primary keys');
  await client.query('alter table pgbench_branches add primary key (bid)');
  await client.query('alter table pgbench_tellers add primary key (tid)');
  await client.query('alter table pgbench_accounts add primary key (aid)');
  log(`setup: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
