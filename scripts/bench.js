#!/usr/bin/env node
// pgscale vs pgbench, side by side on one server: `npm run bench [-- --quick] [-- --duration 10]`.
//
// A measurement script, not a test. It compiles src/ with tsc into .tmp/bench-build (its own
// build, so no bundle is needed), creates the database `pgscale_bench` (scale 10, filled by
// pgscale's own setup), then for each workload and client count runs pgbench and pgscale in
// ABBA order for equal durations and prints TPS, their ratio, pgscale's client CPU per
// transaction and its event-loop utilisation. Every pgscale measurement runs the full pipeline
// (config → plan → preflight → bands → analysis → exports) in a child process of its own, so its
// CPU, peak RSS and wall time are its own. Also: peak RSS for a short and a long band, the run
// overhead outside the planned band time, and TPS with and without collect_pg_stats.
//
// Flags: --duration S (default 10) · --quick (short smoke run) · --clients 1,4,8,16 ·
//        --workloads select-only,tpcb · --rss-long S (default 60) · --pgbench-jobs N
//        (default: min(clients, CPUs)) · --url postgres://… (default postgres://postgres@127.0.0.1:5432)
//        --repeat N (ABBA blocks per cell, default 1; with more, each ratio also shows the range of the blocks' ratios)
//        --skip-build (reuse .tmp/bench-build) · --table-only (skip RSS, overhead, sampling) · --json FILE (also write the raw numbers)
//        --variants 'plain:,pipelined:PGSCALE_BENCH_PIPELINE=1' (compare pgscale settings in one interleaved
//        run: each cell runs pgbench, every variant, then the same in reverse; `label:` is optional;
//        PGSCALE_BENCH_BUILD=DIR runs a variant from another build, e.g. of an older commit)
// Environment passed to the pgscale children as is: PGSCALE_BENCH_PIPELINE=1 measures with
// progressive.pipeline: true (off by default, as pgbench does not pipeline);
// PGSCALE_BENCH_CLIENT_THREADS=N sets progressive.client_threads (default auto).

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, '.tmp', 'bench-build');
const DB_NAME = 'pgscale_bench';
const SCALE = 10;

function parseArgs(argv) {
  const opts = {
    duration: 10,
    quick: false,
    clients: null,
    workloads: ['select-only', 'tpcb'],
    rssLong: 60,
    pgbenchJobs: null,
    url: process.env.PGSCALE_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432',
    skipBuild: false,
    json: null,
    child: null,
    variants: [''],
    repeat: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a}: expected a value`);
      return v;
    };
    if (a === '--duration') opts.duration = positive(value(), a);
    else if (a === '--quick') opts.quick = true;
    else if (a === '--clients')
      opts.clients = value()
        .split(',')
        .map((v) => positive(v, a));
    else if (a === '--workloads') opts.workloads = value().split(',');
    else if (a === '--rss-long') opts.rssLong = positive(value(), a);
    else if (a === '--pgbench-jobs') opts.pgbenchJobs = positive(value(), a);
    else if (a === '--url') opts.url = value();
    else if (a === '--skip-build') opts.skipBuild = true;
    else if (a === '--table-only') opts.tableOnly = true;
    else if (a === '--json') opts.json = value();
    else if (a === '--child') opts.child = JSON.parse(value());
    else if (a === '--variants')
      opts.variants = value()
        .split(',')
        .map((v) => v.trim());
    else if (a === '--repeat') opts.repeat = Math.round(positive(value(), a));
    else fail(`unknown flag ${a} (see the header of scripts/bench.js)`);
  }
  if (opts.quick) {
    opts.duration = Math.min(opts.duration, 3);
    opts.clients ??= [1, 8];
    opts.rssLong = Math.min(opts.rssLong, 12);
  }
  opts.clients ??= [1, 4, 8, 16];
  return opts;
}

function positive(text, flag) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) fail(`${flag}: expected a positive number, got ${text}`);
  return n;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function dbUrl(base, db) {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

async function importBuild(rel) {
  // PGSCALE_BENCH_BUILD points a variant at another build (e.g. of an older commit) to compare.
  return import(pathToFileURL(path.join(process.env.PGSCALE_BENCH_BUILD || buildDir, rel)).href);
}

// ------------------------------------------------------------------------------------ child

/** Runs one pgscale benchmark through the real pipeline and prints one JSON line. */
async function child(spec) {
  const { runBenchmark } = await importBuild('src/pipeline.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgscale-bench-'));
  const configPath = path.join(dir, 'bench.yaml');
  const workers = spec.workers;
  writeFileSync(
    configPath,
    [
      'progressive:',
      '  enabled: true',
      `  min_workers: ${workers[0]}`,
      `  max_workers: ${workers[workers.length - 1]}`,
      `  min_connections: ${workers[0]}`,
      `  max_connections: ${workers[workers.length - 1]}`,
      `  strategy: ${workers.length > 1 ? 'exponential' : 'linear'}`,
      `  band_duration: ${spec.duration}s`,
      `  warmup_time: ${spec.warmup}s`,
      '  cooldown_time: 0s',
      '  export_format: both',
      `  export_path: ${JSON.stringify(path.join(dir, 'out'))}`,
      `  collect_pg_stats: ${spec.pgStats ? 'true' : 'false'}`,
      `  pipeline: ${process.env.PGSCALE_BENCH_PIPELINE === '1' ? 'true' : 'false'}`,
      `  client_threads: ${process.env.PGSCALE_BENCH_CLIENT_THREADS ?? 'auto'}`,
      `workload: ${spec.workload}`,
      `scale: ${SCALE}`,
      '',
    ].join('\n'),
  );
  const warnings = [];
  const log = {
    secrets: [],
    info: () => {},
    debug: () => {},
    warn: (line) => warnings.push(line),
  };
  const started = performance.now();
  const result = await runBenchmark({
    configPath,
    progressive: true,
    setup: false,
    databaseUrl: spec.url,
    env: {},
    log,
  });
  const wallS = (performance.now() - started) / 1000;
  const plan = result.doc.bands.length;
  const plannedS = plan * (spec.duration + spec.warmup);
  const status = readFileSync('/proc/self/status', 'utf8');
  const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  rmSync(dir, { recursive: true, force: true });
  const out = {
    bands: result.doc.bands.map((b) => ({
      workers: b.workers,
      tps: b.total_tps,
      cpu_us_per_tx: b.client.cpu_us_per_tx,
      elu: b.client.event_loop_utilization,
      delay_p99_ms: b.client.event_loop_delay_p99_ms,
      client_bound: b.client.client_bound,
      errors: b.failed_transactions,
      activity_samples: b.pg_stats?.activity_samples ?? null,
    })),
    failure: result.failure ? result.failure.message : null,
    wall_s: wallS,
    planned_s: plannedS,
    max_rss_kb: process.resourceUsage().maxRSS,
    vm_hwm_kb: hwm ? Number(hwm[1]) : null,
    warnings: warnings.filter((w) => !/analysis|fewer than|bands/i.test(w)).slice(0, 5),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ------------------------------------------------------------------------------------ parent

function build() {
  const started = performance.now();
  mkdirSync(path.join(root, '.tmp'), { recursive: true });
  // Only src/: the tests are not needed and double the compile time.
  const tsconfig = path.join(root, '.tmp', 'tsconfig.bench.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { outDir: './bench-build', rootDir: '..', noEmit: false, noEmitOnError: false },
      include: ['../src/**/*.ts'],
    }),
  );
  try {
    execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    // Type errors still emit JavaScript (noEmitOnError false); say so, carry on.
    const text = String(error.stdout ?? '')
      .split('\n')
      .slice(0, 3)
      .join('\n');
    console.error(`bench: tsc reported type errors (the build was emitted anyway):\n${text}`);
  }
  console.log(
    `built src/ into ${path.relative(root, buildDir)} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

/** 'label:A=1 B=2' → the label ('label', or the settings themselves when unlabelled). */
function variantLabel(variant) {
  const m = /^([\w-]+):/.exec(variant);
  return m ? m[1] : variant === '' ? 'pgscale' : variant;
}
function variantSpec(variant) {
  return variant.replace(/^[\w-]+:/, '');
}

/** 'A=1 B=2' → { A: '1', B: '2' } */
function variantEnv(variant) {
  const env = {};
  for (const pair of variantSpec(variant).split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--variants: expected NAME=value pairs, got ${pair}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function runChild(spec, variant = '') {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...variantEnv(variant) },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    proc.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line);
        if (parsed.failure) reject(new Error(`pgscale run failed: ${parsed.failure}`));
        else resolve(parsed);
      } catch {
        reject(new Error(`pgscale child exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      }
    });
  });
}

function runPgbench(opts, workload, clients, duration) {
  const u = new URL(dbUrl(opts.url, DB_NAME));
  const jobs = Math.max(1, Math.min(clients, opts.pgbenchJobs ?? os.availableParallelism()));
  const builtin = workload === 'tpcb' ? 'tpcb-like' : workload;
  const args = [
    '-n',
    '-M',
    'prepared',
    '-b',
    builtin,
    '-c',
    String(clients),
    '-j',
    String(jobs),
    '-T',
    String(duration),
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    DB_NAME,
  ];
  const env = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const text = execFileSync('pgbench', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(text);
  if (!m) throw new Error(`could not read pgbench's TPS from:\n${text}`);
  return Number(m[1]);
}

async function prepareDatabase(opts) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: dbUrl(opts.url, 'postgres') });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const client = new pg.Client({ connectionString: dbUrl(opts.url, DB_NAME) });
  await client.connect();
  try {
    const { loadWorkload } = await importBuild('src/workload/index.js');
    const workload = await loadWorkload({ kind: 'builtin', name: 'tpcb' });
    const started = performance.now();
    await workload.setup(client, SCALE, () => {});
    console.log(
      `set up ${DB_NAME} at scale ${SCALE} with pgscale's setup in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await client.end();
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (n, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padStart(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.child) return child(opts.child);
  const benchStarted = performance.now();
  if (!opts.skipBuild) build();
  const url = dbUrl(opts.url, DB_NAME);
  await prepareDatabase(opts);
  const warmup = 1;
  const env = ['PGSCALE_BENCH_PIPELINE']
    .filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${process.env[k]}`);
  console.log(
    `\n${os.availableParallelism()} CPUs (client and server share them) · ${opts.duration} s per run · pgscale warm-up ${warmup} s · ` +
      `order per cell: ${opts.quick ? 'pgbench, pgscale' : 'pgbench, pgscale, pgscale, pgbench (ABBA)'}` +
      `${opts.repeat > 1 ? ` × ${opts.repeat} blocks` : ''}${env.length ? ` · ${env.join(' ')}` : ''}\n`,
  );
  const raw = { opts: { ...opts, child: undefined }, env, cells: [], rss: null, overhead: null, sampling: null };

  const variants = opts.variants;
  const label = variantLabel;
  for (const workload of opts.workloads) {
    const rows = [];
    for (const clients of opts.clients) {
      const pgbench = [];
      const byVariant = variants.map(() => []);
      // ABBA: pgbench, each variant, then the same in reverse, so drift cancels.
      const forward = ['pgbench', ...variants.map((_, i) => i)];
      const order = opts.quick ? forward : [...forward, ...[...forward].reverse()];
      // Each block's own ratio, per variant: how far one ABBA block can stray from the next.
      const blockRatios = variants.map(() => []);
      for (let block = 0; block < opts.repeat; block++) {
        const pgbenchBlock = [];
        const variantBlock = variants.map(() => []);
        for (const side of order) {
          if (side === 'pgbench') pgbenchBlock.push(runPgbench(opts, workload, clients, opts.duration));
          else {
            const r = await runChild(
              { url, workload, workers: [clients], duration: opts.duration, warmup, pgStats: false },
              variants[side],
            );
            variantBlock[side].push(r.bands[0]);
          }
        }
        pgbench.push(...pgbenchBlock);
        for (const [i, bands] of variantBlock.entries()) {
          byVariant[i].push(...bands);
          blockRatios[i].push(mean(bands.map((b) => b.tps)) / mean(pgbenchBlock));
        }
      }
      const cell = { workload, clients, pgbench_tps: mean(pgbench), pgbench_runs: pgbench, variants: {} };
      const row = [clients, fmt(cell.pgbench_tps)];
      for (const [i, v] of variants.entries()) {
        const bands = byVariant[i];
        const c = {
          tps: mean(bands.map((b) => b.tps)),
          runs: bands.map((b) => b.tps),
          cpu_us_per_tx: mean(bands.map((b) => b.cpu_us_per_tx ?? NaN)),
          elu: Math.max(...bands.map((b) => b.elu ?? NaN)),
          client_bound: bands.some((b) => b.client_bound),
        };
        c.block_ratios = blockRatios[i];
        cell.variants[label(v)] = c;
        const range =
          opts.repeat > 1 ? ` (${fmt(Math.min(...blockRatios[i]), 2)}–${fmt(Math.max(...blockRatios[i]), 2)})` : '';
        row.push(
          fmt(c.tps),
          fmt(c.tps / cell.pgbench_tps, 2) + range,
          fmt(c.cpu_us_per_tx),
          fmt(c.elu, 2) + (c.client_bound ? ' (client-bound)' : ''),
        );
      }
      raw.cells.push(cell);
      rows.push(row);
      process.stdout.write(`  ${workload} ${clients} clients: ${row.slice(1).join(' · ')}\n`);
    }
    const header = ['clients', 'pgbench TPS'];
    for (const v of variants) {
      const l = label(v);
      header.push(
        `${l} TPS`,
        'ratio',
        `${variants.length > 1 ? `${l} ` : 'pgscale '}CPU µs/tx`,
        `${variants.length > 1 ? `${l} ` : 'pgscale '}ELU`,
      );
    }
    console.log(`\n${workload} (scale ${SCALE})\n${table(header, rows)}\n`);
  }
  if (opts.tableOnly) {
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(raw, null, 2)}\n`);
    return;
  }

  // Peak RSS: one band of 8 clients, short and long, each in a fresh process.
  const rssClients = 8;
  const short = await runChild({
    url,
    workload: 'select-only',
    workers: [rssClients],
    duration: opts.quick ? 2 : 10,
    warmup,
    pgStats: false,
  });
  const long = await runChild({
    url,
    workload: 'select-only',
    workers: [rssClients],
    duration: opts.rssLong,
    warmup,
    pgStats: false,
  });
  raw.rss = {
    short_s: opts.quick ? 2 : 10,
    long_s: opts.rssLong,
    short_kb: short.max_rss_kb,
    long_kb: long.max_rss_kb,
    short_hwm_kb: short.vm_hwm_kb,
    long_hwm_kb: long.vm_hwm_kb,
  };
  const growth = (long.max_rss_kb / short.max_rss_kb - 1) * 100;
  console.log(
    `peak RSS (select-only, ${rssClients} clients, whole pipeline): ${raw.rss.short_s} s band ${fmt(short.max_rss_kb / 1024, 1)} MiB, ` +
      `${raw.rss.long_s} s band ${fmt(long.max_rss_kb / 1024, 1)} MiB (${growth >= 0 ? '+' : ''}${fmt(growth, 1)}%)`,
  );

  // Overhead: a four-band exponential scan (1, 2, 4, 8 workers); wall time of the whole pipeline
  // (connect, environment, preflight, bands, analysis, exports) minus warm-up + band time.
  const scan = await runChild({
    url,
    workload: 'select-only',
    workers: [1, 8],
    duration: opts.duration,
    warmup,
    pgStats: false,
  });
  const overhead = scan.wall_s - scan.planned_s;
  raw.overhead = { bands: scan.bands.length, wall_s: scan.wall_s, planned_s: scan.planned_s };
  console.log(
    `run overhead (${scan.bands.length} bands × (${warmup} s warm-up + ${opts.duration} s)): wall ${fmt(scan.wall_s, 2)} s, planned ${fmt(scan.planned_s, 1)} s, ` +
      `overhead ${fmt(overhead, 2)} s = ${fmt((overhead / scan.planned_s) * 100, 2)}% of planned`,
  );

  // What collect_pg_stats costs: 8 clients select-only, ABBA without/with sampling.
  const off = [];
  const on = [];
  const samplingOrder = opts.quick ? ['off', 'on'] : ['off', 'on', 'on', 'off'];
  for (const s of samplingOrder) {
    const r = await runChild({
      url,
      workload: 'select-only',
      workers: [8],
      duration: opts.duration,
      warmup,
      pgStats: s === 'on',
    });
    (s === 'on' ? on : off).push(r.bands[0].tps);
  }
  raw.sampling = { off, on };
  console.log(
    `collect_pg_stats (select-only, 8 clients): without ${fmt(mean(off))} TPS, with ${fmt(mean(on))} TPS ` +
      `(${fmt((mean(on) / mean(off) - 1) * 100, 1)}%)`,
  );
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(raw, null, 2)}\n`);
  console.log(`\nbench finished in ${fmt((performance.now() - benchStarted) / 1000)} s`);
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
