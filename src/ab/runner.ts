// The same-runner A/B run: one server, two databases (base and head), each made fresh from a
// template that the side's own setup SQL filled, bands measured in rounds (plan.ts) in which both
// sides take turns on the server with their pools open (interleave.ts), then the paired analysis.
// I/O lives here; the statistics are in compare/paired.ts.
//
// State: with `reset: 'always'` every round starts from databases re-created from each side's
// template (DROP + CREATE DATABASE … TEMPLATE), so a workload that writes starts each round from the
// same state; measured on the 2-core dev box at scale 1: 0.4–2 s per re-creation under load (the
// WAL of the copy). `reset: 'once'` creates each side's database once (read-only workloads).
// 'auto' (the default) is 'once' for the built-in select-only and 'always' for everything else.

import path from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import pg from 'pg';
import {
  closeDocument,
  newResultsDocument,
  openDatabase,
  prepareRun,
  setUpWorkload,
  withClient,
  type RunRequest,
} from '../pipeline.js';
import { readEnvironment } from '../db/environment.js';
import { maskSecrets } from '../db/mask.js';
import { checkTimeBudget, preflight } from '../db/preflight.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeExports } from '../report/index.js';
import type { Comparison, Thresholds } from '../results/comparison-types.js';
import type { BandPlan } from '../plan/types.js';
import type { BandResult, EnvironmentFacts, ResultsDocument } from '../results/types.js';
import { abResultsJson } from '../results/write.js';
import type { WorkloadConfig } from '../config/types.js';
import { loadWorkload } from '../workload/index.js';
import type { Workload } from '../workload/types.js';
import { analyzeAb } from '../compare/paired.js';
import type { AbPair, AbSection, AbSideMeasurement, Side } from '../results/ab-types.js';
import { mergeRounds } from '../run/merge-rounds.js';
import { abSchedule, blocksPerRound, TURN_MS } from './plan.js';
import { measureInterleaved } from './interleave.js';
import { bandSeed } from '../run/runner.js';

// 3 rounds of an 18 s band_duration: 54 paired blocks in about a minute per band (README, A/B mode).
export const DEFAULT_AB_ROUNDS = 3;
export const AB_RESULTS_FILE = 'ab-results.json';

export interface AbRequest extends Pick<
  RunRequest,
  'databaseUrl' | 'databaseUrlName' | 'exportPath' | 'exportFormat' | 'env' | 'log' | 'signal'
> {
  configPath: string;
  /** Directory holding the base side's workload and setup files, laid out as next to the config. */
  baseDir: string;
  /** Same for head; default: the config file's directory. */
  headDir?: string;
  /** Shown in reports, e.g. "commit 1a2b3c4 (PR base)"; default: the directory. */
  baseLabel?: string;
  headLabel?: string;
  rounds: number;
  confirm: boolean;
  thresholds: Thresholds;
  /** 'auto' (default): 'once' for the read-only built-in select-only, 'always' otherwise. */
  reset?: 'always' | 'once' | 'auto';
  /** Appended to the database names (lowercase letters, digits, _), so parallel runs do not collide. */
  dbSuffix?: string;
  /** Drop the side databases and templates afterwards (default true). */
  cleanup?: boolean;
}

export interface AbResult {
  ab: AbSection;
  comparison: Comparison;
  base: ResultsDocument;
  head: ResultsDocument;
  /** Every file written: ab-results.json, then each side's exports (under base/ and head/). */
  files: string[];
  failure: Error | null;
  partial: boolean;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The config's workload with its files re-rooted from the config's directory to `sideDir`. */
export function rebaseWorkload(cfg: WorkloadConfig, configDir: string, sideDir: string): WorkloadConfig {
  if (cfg.kind === 'builtin') return cfg;
  const move = (file: string): string => path.resolve(sideDir, path.relative(configDir, file));
  return { ...cfg, scripts: cfg.scripts.map((s) => ({ ...s, file: move(s.file) })), setup: cfg.setup.map(move) };
}

/** Scripts may write (no parser can promise otherwise), so only select-only skips the per-round reset. */
export function resolveReset(reset: 'always' | 'once' | 'auto', workload: WorkloadConfig): 'always' | 'once' {
  if (reset !== 'auto') return reset;
  return workload.kind === 'builtin' && workload.name === 'select-only' ? 'once' : 'always';
}

export function abDatabaseNames(suffix = ''): Record<Side, { db: string; template: string }> {
  if (!/^[a-z0-9_]{0,20}$/.test(suffix))
    throw new UserError(
      `ab database suffix: expected up to 20 lowercase letters, digits or _, got ${JSON.stringify(suffix)}`,
    );
  return {
    base: { db: `pgscale_ab_base${suffix}`, template: `pgscale_ab_base${suffix}_tpl` },
    head: { db: `pgscale_ab_head${suffix}`, template: `pgscale_ab_head${suffix}_tpl` },
  };
}

async function dropDatabase(admin: pg.Client, name: string, force: boolean): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${quote(name)}${force ? ' WITH (FORCE)' : ''}`);
}

/** A logger for the runner's per-band chatter: its lines become debug lines, warnings stay. */
function quietLogger(log: Logger): Logger {
  return { info: (line) => log.debug(line), debug: (line) => log.debug(line), warn: (line) => log.warn(line) };
}

export async function runAb(request: AbRequest): Promise<AbResult> {
  const log = request.log;
  if (!(Number.isInteger(request.rounds) && request.rounds >= 3 && request.rounds <= 50)) {
    throw new UserError(`rounds: expected a whole number from 3 to 50, got ${String(request.rounds)}`);
  }
  const { config, plan } = prepareRun({
    configPath: request.configPath,
    progressive: true,
    exportPath: request.exportPath,
    exportFormat: request.exportFormat,
  });
  if (plan.rate !== null)
    throw new UserError(
      `progressive.rate: mode ab measures closed-loop bands (both sides take turns on the server); ` +
        'remove rate for the A/B run, or compare open-loop runs with mode compare',
    );
  const headDir = path.resolve(request.headDir ?? config.source.dir);
  const baseDir = path.resolve(request.baseDir);
  const workloads: Record<Side, Workload> = {
    base: await loadWorkload(rebaseWorkload(config.workload, config.source.dir, baseDir), baseDir),
    head: await loadWorkload(rebaseWorkload(config.workload, config.source.dir, headDir), headDir),
  };
  const names = abDatabaseNames(request.dbSuffix ?? '');
  const reset = resolveReset(request.reset ?? 'auto', config.workload);
  // Paired observations per round: one ABBA block of turns per second of band_duration.
  const blocks = blocksPerRound(plan.band_duration_s);
  const sources: Record<Side, { source: string; database: string }> = {
    base: { source: request.baseLabel ?? baseDir, database: names.base.db },
    head: { source: request.headLabel ?? headDir, database: names.head.db },
  };
  // Every round of a band is one warm-up + band of both sides interleaved; confirmation may add as many again.
  const measured: BandPlan = { ...plan, estimated_duration_s: plan.estimated_duration_s * request.rounds };
  checkTimeBudget(measured, config.progressive.time_budget_s);

  const database = await openDatabase(
    {
      databaseUrl: request.databaseUrl,
      databaseUrlName: request.databaseUrlName,
      env: request.env,
      log: log as Logger & { secrets: string[] },
    },
    config,
  );
  const secrets = (log as Logger & { secrets?: string[] }).secrets ?? [];
  const admin = new pg.Client({ ...database.clientConfig, application_name: 'pgscale-admin' });
  let environment: EnvironmentFacts | null = null;
  let connected = false;
  const runs: Record<Side, BandResult[][]> = { base: plan.bands.map(() => []), head: plan.bands.map(() => []) };
  const pairs: AbPair[] = [];
  const wall = plan.bands.map(() => 0);
  let failure: Error | null = null;
  try {
    log.info(`🔌 Database: ${database.display}`);
    await admin.connect();
    connected = true;
    environment = await readEnvironment(admin, database.embedded !== null);
    const force = (environment.server_version_num ?? 0) >= 130000;
    await preflight(admin, plan, { progressive: { ...config.progressive, time_budget_s: null } });

    // 1. Templates: each side's own setup SQL, once.
    for (const side of ['base', 'head'] as const) {
      const { template, db } = names[side];
      await dropDatabase(admin, db, force);
      await dropDatabase(admin, template, force);
      await admin.query(`CREATE DATABASE ${quote(template)}`);
      log.info(
        `🛠️  ${side}: setting up workload ${workloads[side].name} (scale ${config.scale}) in template ${template}`,
      );
      await withClient({ ...database.clientConfig, database: template }, (client) =>
        setUpWorkload(client, workloads[side], config.scale, {
          setup: true,
          log: (line) => log.info(`   ${side}: ${line}`),
          missing: (tables) =>
            `${side} side: workload ${workloads[side].name}: setup did not create ${tables.join(', ')}`,
        }),
      );
    }

    const ready = new Set<Side>();
    const prepare = async (side: Side): Promise<void> => {
      if (reset === 'once' && ready.has(side)) return;
      const started = performance.now();
      await dropDatabase(admin, names[side].db, force);
      await admin.query(`CREATE DATABASE ${quote(names[side].db)} TEMPLATE ${quote(names[side].template)}`);
      ready.add(side);
      log.debug(`${side}: database re-created from its template in ${(performance.now() - started).toFixed(0)} ms`);
    };

    const measure = async (bandIndices: number[], firstRound: number, phase: 'main' | 'confirm'): Promise<boolean> => {
      for (const slot of abSchedule(bandIndices, request.rounds, firstRound)) {
        const band = plan.bands[slot.band_index]!;
        const slotStart = performance.now();
        if (request.signal?.aborted) {
          failure = new Error('interrupted');
          return false;
        }
        for (const side of slot.order) await prepare(side);
        const round = await measureInterleaved({
          band,
          plan,
          sides: {
            base: { workload: workloads.base, clientConfig: { ...database.clientConfig, database: names.base.db } },
            head: { workload: workloads.head, clientConfig: { ...database.clientConfig, database: names.head.db } },
          },
          order: slot.order,
          blocks,
          warmupS: plan.warmup_time_s,
          seed: bandSeed(config.analysis.seed + slot.round, band.band_id),
          signal: request.signal,
          log: quietLogger(log),
          secrets,
        });
        wall[slot.band_index]! += (performance.now() - slotStart) / 1000;
        for (const side of ['base', 'head'] as const) {
          const result = round.results[side];
          if (result) runs[side][slot.band_index]!.push(result);
        }
        for (const block of round.blocks) {
          pairs.push({
            band_index: slot.band_index,
            // Blocks are the paired observations: numbered across rounds, alike for every band.
            round: slot.round * blocks + block.index,
            phase,
            order: [block.first, block.first === 'base' ? 'head' : 'base'],
            base: block.sides.base,
            head: block.sides.head,
          });
        }
        if (round.stopReason !== null) {
          failure = new Error(`band ${band.band_id}, round ${slot.round + 1}: ${round.stopReason}`);
          return false;
        }
        const b = round.results.base;
        const h = round.results.head;
        const ratio = b && h && b.total_tps > 0 ? h.total_tps / b.total_tps : NaN;
        log.info(
          `🔁 ${phase === 'confirm' ? 'confirm ' : ''}round ${slot.round + 1}, ` +
            `band ${band.band_id} (${band.workers}w/${band.connections}c), ${round.blocks.length} ABBA block(s) ` +
            `of ${TURN_MS} ms turns, ${slot.order[0]} first: base ${(b?.total_tps ?? 0).toFixed(0)} TPS, ` +
            `head ${(h?.total_tps ?? 0).toFixed(0)} TPS, ` +
            `head/base ${Number.isFinite(ratio) ? ratio.toFixed(3) : 'n/a'}`,
        );
      }
      return true;
    };

    log.info(
      `🎯 A/B: ${plan.bands.length} band(s) × ${request.rounds} round(s), each ${plan.band_duration_s}s of base ` +
        `and head taking ${TURN_MS} ms turns (${blocks} ABBA block(s), both pools open) after ` +
        `${plan.warmup_time_s}s warm-up, reset ${reset}`,
    );
    const allBands = plan.bands.map((_b, i) => i);
    try {
      const completed = await measure(allBands, 0, 'main');
      if (completed && request.confirm) {
        const first = analyzeAb({
          bands: plan.bands,
          pairs,
          rounds: request.rounds,
          blocks_per_round: blocks,
          turn_ms: TURN_MS,
          confirm: true,
          thresholds: request.thresholds,
          settings: { ...config.analysis, bootstrap_resamples: 0 },
          sides: sources,
        });
        const failing = first.ab.bands
          .map((b, i) => (b.status.tps === 'fail' || b.status.p95_latency === 'fail' ? i : -1))
          .filter((i) => i >= 0);
        if (failing.length > 0) {
          log.info(`🔍 Confirming ${failing.length} failing band(s) with ${request.rounds} more rounds`);
          await measure(failing, request.rounds, 'confirm');
        }
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
  } catch (error) {
    // Before the first measurement: nothing to keep; clean up and rethrow.
    if (pairs.length === 0 && runs.base.every((r) => r.length === 0)) {
      await cleanup(admin, connected, names, request, environment, log);
      if (database.embedded) await database.embedded.stop().catch(() => {});
      throw error;
    }
    failure = error instanceof Error ? error : new Error(String(error));
  }
  await cleanup(admin, connected, names, request, environment, log);
  if (database.embedded)
    await database.embedded.stop().catch((e: unknown) => log.warn(`could not stop the embedded server: ${String(e)}`));

  // Per-side results documents: each band merged over its rounds.
  const docs = {} as Record<Side, ResultsDocument>;
  for (const side of ['base', 'head'] as const) {
    const doc = newResultsDocument(config, plan, workloads[side], secrets);
    if (environment) doc.environment = environment;
    const bands = plan.bands.flatMap((_b, i) => (runs[side][i]!.length > 0 ? [mergeRounds(runs[side][i]!)] : []));
    closeDocument(
      doc,
      {
        bands,
        partial: failure !== null,
        partial_reason: failure ? maskSecrets((failure as Error).message, secrets) : null,
      },
      config,
      log,
    );
    docs[side] = doc;
  }
  const { ab, comparison } = analyzeAb({
    bands: plan.bands,
    pairs,
    rounds: request.rounds,
    blocks_per_round: blocks,
    turn_ms: TURN_MS,
    confirm: request.confirm,
    thresholds: request.thresholds,
    settings: config.analysis,
    baseDoc: docs.base,
    headDoc: docs.head,
    sides: sources,
  });
  ab.band_wall_s = wall;
  if (failure)
    // After the noise sentence, which the reports print on its own line first.
    comparison.notes.splice(
      1,
      0,
      `The A/B run stopped early: ${maskSecrets((failure as Error).message, secrets)}. ` +
        'Only complete pairs were analysed.',
    );

  const exportDir = path.resolve(config.progressive.export_path);
  await mkdir(exportDir, { recursive: true });
  const abFile = path.join(exportDir, AB_RESULTS_FILE);
  await writeFile(abFile, maskSecrets(abResultsJson(ab, comparison), secrets));
  const files = [abFile];
  for (const side of ['base', 'head'] as const) {
    files.push(...(await writeExports(docs[side], config.progressive.export_format, path.join(exportDir, side))));
  }
  for (const f of files) log.info(`💾 Wrote ${f}`);
  return { ab, comparison, base: docs.base, head: docs.head, files, failure, partial: failure !== null };
}

async function cleanup(
  admin: pg.Client,
  connected: boolean,
  names: Record<Side, { db: string; template: string }>,
  request: AbRequest,
  environment: EnvironmentFacts | null,
  log: Logger,
): Promise<void> {
  if (!connected) return;
  try {
    if (request.cleanup ?? true) {
      const force = (environment?.server_version_num ?? 0) >= 130000;
      for (const side of ['base', 'head'] as const) {
        await dropDatabase(admin, names[side].db, force);
        await dropDatabase(admin, names[side].template, force);
      }
    }
  } catch (error) {
    log.warn(`could not drop the A/B databases: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await admin.end().catch(() => {});
  }
}
