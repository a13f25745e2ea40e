// The one pipeline behind the CLI and the action:
// config ─▶ plan ─▶ (database, setup, preflight) ─▶ run ─▶ analyze ─▶ exports.
// Whatever happens after the first band starts, the results measured so far are written, marked partial.
// The steps of measuring one side (open the database, set the workload up, close the analysed
// document) are exported, so the same-runner A/B run takes them as they are; it measures its bands
// itself, both sides interleaved (ab/interleave.ts).

import os from 'node:os';
import pg from 'pg';
import { analyzeResults } from './analyze/index.js';
import { loadConfigFile } from './config/index.js';
import { resolveDatabase, type ResolvedDatabase } from './db/connection.js';
import { startEmbedded, type EmbeddedServer } from './db/embedded.js';
import { readEnvironment } from './db/environment.js';
import { maskSecrets } from './db/mask.js';
import { checkTimeBudget, preflight } from './db/preflight.js';
import { UserError } from './errors.js';
import type { Logger } from './log.js';
import { planBands, planFingerprint } from './plan/index.js';
import { writeExports } from './report/index.js';
import { runBands, type RunOutcome } from './run/runner.js';
import { SCHEMA_VERSION, type BandResult, type EnvironmentFacts, type ResultsDocument } from './results/types.js';
import type { BandPlan } from './plan/types.js';
import type { ExportFormat, PgscaleConfig } from './config/types.js';
import { checkSchema, loadWorkload } from './workload/index.js';
import type { Workload } from './workload/types.js';
import { VERSION } from './version.js';

export interface RunRequest {
  configPath: string;
  /** Force progressive mode even when `progressive.enabled` is false. */
  progressive: boolean;
  setup: boolean;
  databaseUrl?: string;
  /** How databaseUrl is named in messages: '--database-url' (default) or the action's 'input database-url'. */
  databaseUrlName?: string;
  exportPath?: string;
  exportFormat?: ExportFormat;
  env: NodeJS.ProcessEnv;
  log: Logger & { secrets: string[] };
  signal?: AbortSignal;
}

export interface PreparedRun {
  config: PgscaleConfig;
  plan: BandPlan;
}

export interface RunResult {
  doc: ResultsDocument;
  files: string[];
  /** Set when the run stopped early; the exports are still written. */
  failure: Error | null;
}

/** Loads the config and applies command-line overrides; no I/O beyond reading the file. */
export function prepareRun(
  request: Pick<RunRequest, 'configPath' | 'progressive' | 'exportPath' | 'exportFormat'>,
): PreparedRun {
  const config = loadConfigFile(request.configPath);
  if (request.progressive) config.progressive.enabled = true;
  if (request.exportPath !== undefined) config.progressive.export_path = request.exportPath;
  if (request.exportFormat !== undefined) config.progressive.export_format = request.exportFormat;
  return { config, plan: planBands(config.progressive) };
}

/** The config as stored in results: no password, URLs masked. */
export function redactConfig(config: PgscaleConfig, secrets: string[]): unknown {
  const { source: _source, ...copy } = structuredClone(config);
  if (copy.database) {
    if (copy.database.password !== undefined) copy.database.password = '***';
    if (copy.database.url !== undefined) copy.database.url = maskSecrets(copy.database.url, secrets);
  }
  return copy;
}

function emptyEnvironment(embedded: boolean): EnvironmentFacts {
  return {
    server_version: null,
    server_version_num: null,
    settings: {},
    client_cpus: os.availableParallelism?.() ?? os.cpus().length,
    client_cpu_model: os.cpus()[0]?.model ?? null,
    node_version: process.version,
    platform: `${process.platform}-${process.arch}`,
    embedded_server: embedded,
  };
}

export function newResultsDocument(
  config: PgscaleConfig,
  plan: BandPlan,
  workload: Workload,
  secrets: string[],
): ResultsDocument {
  return {
    schema_version: SCHEMA_VERSION,
    tool: { name: 'pgscale', version: VERSION },
    test_start_time: new Date().toISOString(),
    test_end_time: null,
    partial: false,
    partial_reason: null,
    workload: workload.name,
    scale: config.scale,
    strategy: plan.strategy,
    config: redactConfig(config, secrets),
    plan_fingerprint: planFingerprint(plan, workload.name, config.scale),
    workload_files: workload.files,
    environment: emptyEnvironment(false),
    bands: [],
    analysis: null,
    optimal_config: null,
  };
}

/** Connects to the named database, or starts the embedded one when nobody named a database. */
export async function openDatabase(
  request: Pick<RunRequest, 'databaseUrl' | 'databaseUrlName' | 'env' | 'log'>,
  config: PgscaleConfig,
): Promise<{ clientConfig: pg.ClientConfig; display: string; embedded: EmbeddedServer | null }> {
  const resolved: ResolvedDatabase | null = resolveDatabase({
    flagUrl: request.databaseUrl,
    flagName: request.databaseUrlName,
    config: config.database,
    env: request.env,
  });
  if (resolved) {
    request.log.secrets.push(...resolved.secrets);
    return { clientConfig: resolved.config, display: resolved.display, embedded: null };
  }
  request.log.info('🐘 No database configured: starting an embedded PostgreSQL for this run');
  const embedded = await startEmbedded(request.log);
  return { clientConfig: embedded.clientConfig, display: embedded.display, embedded };
}

/** One admin client on `clientConfig` for the length of `fn`. */
export async function withClient<T>(clientConfig: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...clientConfig, application_name: 'pgscale-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs the whole benchmark. Throws UserError before the first band; afterwards returns what it has. */
export async function runBenchmark(request: RunRequest): Promise<RunResult> {
  const { config, plan } = prepareRun(request);
  const log = request.log;
  const workload = await loadWorkload(config.workload, config.source.dir);
  const doc = newResultsDocument(config, plan, workload, log.secrets);
  // The budget needs no server: refuse before starting or connecting to one.
  checkTimeBudget(plan, config.progressive.time_budget_s);
  const database = await openDatabase(request, config);
  try {
    log.info(`🔌 Database: ${database.display}`);
    await withClient(database.clientConfig, async (client) => {
      doc.environment = await readEnvironment(client, database.embedded !== null);
      // Before --setup: a plan the server cannot hold must not cost a (possibly long) data load.
      await preflight(client, plan, { progressive: config.progressive });
      if (request.setup || database.embedded)
        log.info(`🛠️  Setting up workload ${workload.name} (scale ${config.scale})`);
      await setUpWorkload(client, workload, config.scale, {
        setup: request.setup || database.embedded !== null,
        log: (line) => log.info(`   ${line}`),
        missing: (tables) =>
          `workload ${workload.name}: table${tables.length > 1 ? 's' : ''} ` +
          `${tables.join(', ')} missing; pass --setup to create the schema and data`,
      });
    });
    return await measureAndExport(request, config, plan, workload, doc, database.clientConfig);
  } finally {
    if (database.embedded) {
      await database.embedded
        .stop()
        .catch((error: unknown) => log.warn(`could not stop the embedded server: ${String(error)}`));
    }
  }
}

async function measureAndExport(
  request: RunRequest,
  config: PgscaleConfig,
  plan: BandPlan,
  workload: Workload,
  doc: ResultsDocument,
  clientConfig: pg.ClientConfig,
): Promise<RunResult> {
  const log = request.log;
  log.info(`🎯 Starting progressive scaling test with ${plan.bands.length} bands`);
  log.info(
    `📊 Strategy: ${plan.strategy}, Band Duration: ${plan.band_duration_s}s, ` +
      `Warmup: ${plan.warmup_time_s}s, Cooldown: ${plan.cooldown_time_s}s`,
  );
  let failure: Error | null = null;
  let outcome: RunOutcome;
  try {
    outcome = await measureBands(config, plan, workload, clientConfig, {
      signal: request.signal,
      log,
      onBand: (band) => doc.bands.push(band),
    });
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    outcome = { bands: doc.bands, partial: true, partial_reason: maskSecrets(failure.message, log.secrets) };
  }
  closeDocument(doc, outcome, config, log);
  const files = await writeExports(doc, config.progressive.export_format, config.progressive.export_path);
  for (const file of files) log.info(`💾 Wrote ${file}`);
  return { doc, files, failure };
}

/**
 * Fills the workload's schema and data when `setup` is asked, then checks that its tables are there;
 * `missing` words the error that names the tables that are not.
 */
export async function setUpWorkload(
  client: pg.Client,
  workload: Workload,
  scale: number,
  options: { setup: boolean; log: (line: string) => void; missing: (tables: string[]) => string },
): Promise<void> {
  if (options.setup) await workload.setup(client, scale, options.log);
  const missing = await checkSchema(client, workload);
  if (missing.length > 0) throw new UserError(options.missing(missing));
}

/** Measures the plan's bands against one database, with the config's load settings and seed. */
export function measureBands(
  config: Pick<PgscaleConfig, 'progressive' | 'analysis'>,
  plan: BandPlan,
  workload: Workload,
  clientConfig: pg.ClientConfig,
  options: { signal?: AbortSignal | undefined; log: Logger; onBand?: (band: BandResult) => void },
): Promise<RunOutcome> {
  return runBands({
    plan,
    workload,
    clientConfig,
    progressive: config.progressive,
    signal: options.signal,
    log: options.log,
    seed: config.analysis.seed,
    ...(options.onBand ? { onBand: options.onBand } : {}),
  });
}

/** Closes a results document: the measured bands, whether the run stopped early, the end time, and the analysis. */
export function closeDocument(
  doc: ResultsDocument,
  outcome: RunOutcome,
  config: Pick<PgscaleConfig, 'analysis' | 'slo'>,
  log: Logger,
): void {
  doc.bands = outcome.bands;
  doc.partial = outcome.partial;
  doc.partial_reason = outcome.partial_reason;
  doc.test_end_time = new Date().toISOString();
  finishAnalysis(doc, config, log);
}

/** Fills analysis and optimum; an analysis fault must never cost the measured bands. */
export function finishAnalysis(
  doc: ResultsDocument,
  config: Pick<PgscaleConfig, 'analysis' | 'slo'>,
  log: Logger,
): void {
  try {
    const { analysis, optimal_config } = analyzeResults(doc, config.analysis, config.slo);
    doc.analysis = analysis;
    doc.optimal_config = optimal_config;
  } catch (error) {
    log.warn(`analysis failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
