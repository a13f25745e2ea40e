#!/usr/bin/env node
// Soak: 20 bands × 10 s at high concurrency (workers 50–200 over connections 10–90) through the
// built CLI against a real server. Checks that the run completes, that the CLI's memory stays
// flat (RSS sampled at the end of every band), and that no pgscale connection is left behind.
//
//   node scripts/soak.js [--database-url postgres://postgres@127.0.0.1:5432/postgres]
//                        [--band-duration 10s] [--max-growth-mb 64] [--cli bin/pgscale.js]
//
// A scratch database is created on that server and dropped afterwards. Exit 0 = all checks held.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'band-duration': { type: 'string', default: '10s' },
    'max-growth-mb': { type: 'string', default: '64' },
    cli: { type: 'string', default: join(root, 'bin', 'pgscale.js') },
  },
});

const admin = new URL(args['database-url']);
const database = `pgscale_soak_${process.pid}`;
const target = new URL(admin.href);
target.pathname = `/${database}`;
const maxGrowthMb = Number(args['max-growth-mb']);

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: admin.href, application_name: 'pgscale-soak-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Resident set size of a process in MiB (Linux /proc; ps elsewhere). */
function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch {
    // not Linux, or the process just ended
  }
  return null;
}

function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main() {
  const facts = await withAdmin(async (c) => {
    const r = await c.query(
      "SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved, version() AS version",
    );
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${database}`);
    return r.rows[0];
  });
  console.log(
    `server: ${facts.version.split(' (')[0]}, max_connections ${facts.max}, superuser_reserved ${facts.reserved}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'pgscale-soak-'));
  const config = join(dir, 'soak.yaml');
  // linear: 4 worker values × 5 connection values = 20 bands; the largest pool (90) + control +
  // stats sampler = 92 connections, inside 100 − 3 reserved.
  writeFileSync(
    config,
    [
      'progressive:',
      '  min_workers: 50',
      '  max_workers: 200',
      '  step_workers: 50',
      '  min_connections: 10',
      '  max_connections: 90',
      '  step_connections: 20',
      '  strategy: linear',
      `  band_duration: ${args['band-duration']}`,
      '  warmup_time: 2s',
      '  cooldown_time: 1s',
      '  collect_pg_stats: true',
      '  export_format: both',
      `  export_path: ${join(dir, 'out')}`,
      'workload: select-only',
      'scale: 10',
      '',
    ].join('\n'),
  );

  const started = Date.now();
  const child = spawn(process.execPath, [args.cli, '--config', config, '--database-url', target.href, '--setup'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const samples = [];
  let stderr = '';
  let buffered = '';
  let workers = 0;
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const starting = /Band \d+\/\d+: (\d+) workers/.exec(line);
      if (starting) workers = Number(starting[1]);
      const done = /Band (\d+) completed: ([\d,]+) TPS/.exec(line);
      if (done) {
        const rss = rssMb(child.pid);
        samples.push({ band: Number(done[1]), workers, tps: Number(done[2].replace(/,/g, '')), rss });
        console.log(
          `band ${String(done[1]).padStart(2)}: ${done[2].padStart(7)} TPS   RSS ${rss === null ? 'n/a' : `${rss.toFixed(1)} MiB`}`,
        );
      } else if (/Band \d+\/\d+:/.test(line)) {
        process.stdout.write(`  ${line.trim()}\n`);
      }
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk.toString();
  });
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
  const elapsed = (Date.now() - started) / 1000;

  // Backends exit a moment after their client; allow a few seconds.
  let left = -1;
  for (let i = 0; i < 50; i++) {
    left = await withAdmin(async (c) => {
      const r = await c.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'pgscale%'",
        [database],
      );
      return r.rows[0].n;
    });
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  let doc = null;
  try {
    doc = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  } catch {
    // reported below
  }
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  rmSync(dir, { recursive: true, force: true });

  const rss = samples.filter((s) => s.rss !== null);
  const first = rss[0]?.rss ?? NaN;
  const last = rss.at(-1)?.rss ?? NaN;
  const peak = Math.max(...rss.map((s) => s.rss));
  // Growth after the first quarter (JIT, histograms and pools have warmed up by then).
  const settled = rss.slice(Math.floor(rss.length / 4));
  const settledGrowth = (settled.at(-1)?.rss ?? NaN) - (settled[0]?.rss ?? NaN);
  const perBand = slope(settled.map((s) => [s.band, s.rss]));
  const errors = doc ? doc.bands.reduce((a, b) => a + b.failed_transactions, 0) : null;

  console.log('');
  console.log(
    `exit code ${code} after ${elapsed.toFixed(0)} s; ${doc ? doc.bands.length : 0} bands in results.json, partial ${doc?.partial ?? 'n/a'}, failed transactions ${errors ?? 'n/a'}`,
  );
  console.log(
    `RSS: first band ${first.toFixed(1)} MiB, last ${last.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB; ` +
      `growth first→last ${(last - first).toFixed(1)} MiB; after the first quarter ${settledGrowth.toFixed(1)} MiB (slope ${perBand.toFixed(2)} MiB/band)`,
  );
  // Memory follows the worker count; at a fixed count a leak would still show as a climb.
  for (const w of [...new Set(rss.map((s) => s.workers))]) {
    const group = rss.filter((s) => s.workers === w).map((s) => s.rss);
    console.log(
      `  ${String(w).padStart(3)} workers: RSS ${Math.min(...group).toFixed(1)}–${Math.max(...group).toFixed(1)} MiB over ${group.length} bands (last − first ${(group.at(-1) - group[0]).toFixed(1)} MiB)`,
    );
  }
  console.log(`pgscale connections left in pg_stat_activity: ${left}`);

  const failures = [];
  if (code !== 0) failures.push(`the CLI exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (!doc || doc.bands.length !== 20 || doc.partial) failures.push('results.json does not hold 20 complete bands');
  if (samples.length !== 20) failures.push(`saw ${samples.length} band completions, expected 20`);
  if (!(settledGrowth <= maxGrowthMb))
    failures.push(`memory grew ${settledGrowth.toFixed(1)} MiB after the first quarter (limit ${maxGrowthMb})`);
  if (left !== 0) failures.push(`${left} pgscale connections left behind`);
  if (failures.length > 0) {
    for (const f of failures) console.log(`FAIL: ${f}`);
    process.exitCode = 1;
  } else {
    console.log('OK: completed, memory flat, no connections left');
  }
}

main().catch((error) => {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
