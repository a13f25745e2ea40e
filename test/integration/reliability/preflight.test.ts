// Preflight through the built CLI against the shared server: plans the server cannot hold, plans
// over their time budget and missing schemas are refused before any band, with exit code 2.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  createDatabase,
  nonEmptyLines,
  runCli,
  scratchDir,
  stackLines,
  withAdmin,
} from '../../support/reliability-helpers.js';

let db: Awaited<ReturnType<typeof createDatabase>>;
const scratch = scratchDir();
let usable = 0;
let maxConnections = 0;
let reserved = 0;

beforeAll(async () => {
  db = await createDatabase('preflight');
  await withAdmin(ADMIN, async (c) => {
    const r = await c.query<{ m: string; r: string }>(
      "SELECT current_setting('max_connections') AS m, current_setting('superuser_reserved_connections') AS r",
    );
    maxConnections = Number(r.rows[0]?.m);
    reserved = Number(r.rows[0]?.r);
    usable = maxConnections - reserved;
  });
});

afterAll(async () => {
  await db?.drop();
  scratch.remove();
});

async function tables(): Promise<string[]> {
  return withAdmin({ ...ADMIN, database: db.name }, async (c) => {
    const r = await c.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'pgbench_%' ORDER BY 1",
    );
    return r.rows.map((row) => row.t);
  });
}

function expectOneLineRefusal(result: { code: number | null; stdout: string; stderr: string }): string {
  expect(result.code).toBe(2);
  expect(stackLines(result.stderr)).toEqual([]);
  const lines = nonEmptyLines(result.stderr);
  expect(lines).toHaveLength(1);
  // No band was started.
  expect(result.stdout).not.toMatch(/Band 1\//);
  return lines[0] as string;
}

describe('preflight through the CLI', () => {
  it('refuses a plan whose largest band exceeds max_connections − superuser_reserved, before setup or any band', async () => {
    const big = usable; // pool of `usable` + the admin connection = usable + 1 > usable
    const out = join(scratch.dir, 'out-too-big');
    const config = scratch.write(
      'too-big.yaml',
      `progressive:\n  min_workers: 1\n  max_workers: ${big}\n  strategy: exponential\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n  export_path: ${out}\nworkload: select-only\n`,
    );
    const result = await runCli(['--config', config, '--database-url', db.url, '--setup']);
    const line = expectOneLineRefusal(result);
    const bands = big === 1 ? 1 : Math.ceil(Math.log2(big)) + 1; // 1, 2, 4, … then max
    expect(line).toContain(`band ${bands} (${big} workers, ${big} connections)`);
    expect(line).toContain(`needs ${big + 1} connections`);
    expect(line).toContain(`allows ${usable}`);
    expect(line).toContain(`max_connections ${maxConnections}`);
    expect(line).toContain(`superuser_reserved_connections ${reserved}`);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    // Refused before --setup touched the database.
    expect(await tables()).toEqual([]);
  });

  it('counts the stats sampler: a plan that fits exactly is refused once collect_pg_stats adds its connection', async () => {
    const fits = usable - 1; // pool + admin = usable: allowed; + sampler: one too many
    const body = (stats: boolean): string =>
      `progressive:\n  min_workers: ${fits}\n  max_workers: ${fits}\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n` +
      `  collect_pg_stats: ${stats}\n  export_path: ${join(scratch.dir, 'out-sampler')}\nworkload: select-only\n`;
    const withStats = scratch.write('sampler.yaml', body(true));
    const line = expectOneLineRefusal(await runCli(['--config', withStats, '--database-url', db.url]));
    expect(line).toContain(
      `needs ${usable + 1} connections (${fits} pool + 2 for pgscale's control and stats connections)`,
    );
    expect(line).toContain(`allows ${usable}`);
  });

  it('refuses a plan over its time budget, naming the estimate and the budget, before connecting', async () => {
    const config = scratch.write(
      'budget.yaml',
      'progressive:\n  min_workers: 1\n  max_workers: 4\n  step_workers: 1\n  band_duration: 30s\n  warmup_time: 10s\n  cooldown_time: 5s\n  time_budget: 1m\nworkload: select-only\n',
    );
    // Workers 1–4 × connections 1–4 (linear) = 16 bands × 45 s = 12m.
    const line = expectOneLineRefusal(await runCli(['--config', config, '--database-url', db.url]));
    expect(line).toMatch(
      /^pgscale: progressive\.time_budget: the plan needs an estimated 12m \(16 bands × .* budget is 1m/,
    );
    // Budget maths needs no server: an unreachable one must not turn the refusal into a connection error.
    const unreachable = expectOneLineRefusal(
      await runCli(['--config', config, '--database-url', 'postgres://postgres@127.0.0.1:1/none']),
    );
    expect(unreachable).toContain('progressive.time_budget');
  });

  it('says to pass --setup when the workload schema is missing', async () => {
    const config = scratch.write(
      'no-schema.yaml',
      `progressive:\n  min_workers: 1\n  max_workers: 1\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n  export_path: ${join(scratch.dir, 'out-schema')}\nworkload: tpcb\n`,
    );
    // A database of its own: the refusal tests above must not be what leaves it empty.
    const empty = await createDatabase('noschema');
    try {
      const line = expectOneLineRefusal(await runCli(['--config', config, '--database-url', empty.url]));
      expect(line).toMatch(/pgbench_accounts/);
      expect(line).toMatch(/pass --setup/);
    } finally {
      await empty.drop();
    }
    expect(existsSync(join(scratch.dir, 'out-schema', 'results.json'))).toBe(false);
  });
});
