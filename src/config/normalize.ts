// From the validated file shape to the effective PgscaleConfig: dependent defaults, cross-field
// rules (the band ranges and count are plan/validate.ts's, placed here), durations in seconds,
// paths made absolute. Problems are ConfigIssues carrying the path of the offending key so the
// loader can point at its line and column.
import { statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import type { BuiltinWorkloadName, DatabaseConfig, PgscaleConfig, ProgressiveConfig, WorkloadConfig } from './types.js';
import { planProblem } from '../plan/validate.js';
import { parseDuration } from './duration.js';
import type { ConfigFileParsed } from './schema.js';

export type ConfigPath = (string | number)[];

export class ConfigIssue extends Error {
  constructor(
    readonly path: ConfigPath,
    message: string,
    /** Point at the key itself rather than its value (unknown keys). */
    readonly atKey = false,
  ) {
    super(message);
  }
}

/** Longest band, warm-up or cool-down accepted: Node timers overflow past ~24.8 days anyway. */
export const MAX_PHASE_SECONDS = 7 * 24 * 3600;

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

type ParsedProgressive = ConfigFileParsed['progressive'];

function seconds(value: string | number, path: ConfigPath, opts: { positive: boolean; max: number | null }): number {
  const field = formatPath(path);
  let s: number;
  try {
    s = typeof value === 'number' ? value : parseDuration(value, field);
  } catch (error) {
    throw new ConfigIssue(path, (error as Error).message.slice(field.length + 2));
  }
  const got = typeof value === 'number' ? String(value) : JSON.stringify(value);
  if (opts.positive && s <= 0) throw new ConfigIssue(path, `expected a duration greater than 0, got ${got}`);
  if (opts.max !== null && s > opts.max)
    throw new ConfigIssue(path, `expected a duration of at most 168h (7 days), got ${got}`);
  return s;
}

function normalizeProgressive(p: ParsedProgressive): ProgressiveConfig {
  const at = (key: string): ConfigPath => ['progressive', key];
  // With no connection key at all, connections mirror workers (range and step); once any is
  // given, missing bounds still follow the workers' bounds but the step defaults to 1.
  const mirror = p.min_connections === undefined && p.max_connections === undefined && p.step_connections === undefined;
  const minConnections = p.min_connections ?? p.min_workers;
  const maxConnections = p.max_connections ?? p.max_workers;
  const stepConnections = p.step_connections ?? (mirror ? p.step_workers : 1);
  // The ranges and the band count are plan/'s rules; here they only gain the key's position.
  const problem = planProblem({
    enabled: p.enabled,
    strategy: p.strategy,
    workers: { min: p.min_workers, max: p.max_workers, step: p.step_workers },
    connections: { min: minConnections, max: maxConnections, step: stepConnections },
    defaulted: { min_connections: p.min_connections === undefined, max_connections: p.max_connections === undefined },
  });
  if (problem)
    throw new ConfigIssue(problem.key ? at(problem.key) : ['progressive'], problem.message, problem.key === null);
  return {
    enabled: p.enabled,
    min_workers: p.min_workers,
    max_workers: p.max_workers,
    step_workers: p.step_workers,
    min_connections: minConnections,
    max_connections: maxConnections,
    step_connections: stepConnections,
    band_duration_s: seconds(p.band_duration, at('band_duration'), { positive: true, max: MAX_PHASE_SECONDS }),
    warmup_time_s: seconds(p.warmup_time, at('warmup_time'), { positive: false, max: MAX_PHASE_SECONDS }),
    cooldown_time_s: seconds(p.cooldown_time, at('cooldown_time'), { positive: false, max: MAX_PHASE_SECONDS }),
    strategy: p.strategy,
    export_format: p.export_format,
    export_path: p.export_path,
    collect_pg_stats: p.collect_pg_stats,
    pg_stat_statements: Boolean(p.pg_stat_statements) || Boolean(p.pg_stats_statements),
    rate: p.rate,
    time_budget_s:
      p.time_budget === null ? null : seconds(p.time_budget, at('time_budget'), { positive: true, max: null }),
    max_error_rate: p.max_error_rate,
    pipeline: p.pipeline,
    client_threads: p.client_threads,
  };
}

const CONNECTION_PARTS = ['host', 'port', 'dbname', 'username', 'password', 'sslmode'] as const;

function normalizeDatabase(d: ConfigFileParsed['database']): DatabaseConfig | null {
  if (!d) return null;
  if (d.url !== undefined) {
    const clash = CONNECTION_PARTS.find((key) => d[key] !== undefined);
    if (clash) {
      throw new ConfigIssue(
        ['database', clash],
        `give either database.url or host/port/dbname/username/password/sslmode, not both`,
        true,
      );
    }
  }
  const out: DatabaseConfig = {};
  for (const key of ['url', ...CONNECTION_PARTS] as const) {
    if (d[key] !== undefined) (out as Record<string, unknown>)[key] = d[key];
  }
  // An empty mapping names no database, exactly like leaving the block out.
  return Object.keys(out).length ? out : null;
}

function existingFile(file: string, dir: string, path: ConfigPath): string {
  const absolute = resolve(dir, file);
  let isFile = false;
  try {
    isFile = statSync(absolute).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new ConfigIssue(path, `file not found: ${JSON.stringify(file)} (looked for ${absolute})`);
  return absolute;
}

function normalizeWorkload(w: ConfigFileParsed['workload'], dir: string): WorkloadConfig {
  if (typeof w === 'string') return { kind: 'builtin', name: w === 'tpcb-like' ? 'tpcb' : w };
  if (!w.scripts) {
    // `workload: {name: select-only}` names a built-in; anything else needs scripts.
    if (w.name === 'tpcb' || w.name === 'tpcb-like' || w.name === 'select-only' || w.name === 'simple-update') {
      if (w.setup.length)
        throw new ConfigIssue(
          ['workload', 'setup'],
          'setup files need custom scripts; built-in workloads create their own tables with --setup',
        );
      return { kind: 'builtin', name: (w.name === 'tpcb-like' ? 'tpcb' : w.name) as BuiltinWorkloadName };
    }
    throw new ConfigIssue(
      ['workload', 'scripts'],
      'missing, expected a list of {file, weight} mappings (or a built-in workload name)',
    );
  }
  const scripts = w.scripts.map((s, i) => ({
    file: existingFile(s.file, dir, ['workload', 'scripts', i, 'file']),
    weight: s.weight,
  }));
  const setup = w.setup.map((file, i) => existingFile(file, dir, ['workload', 'setup', i]));
  const first = w.scripts[0]?.file ?? 'custom';
  return { kind: 'scripts', name: w.name ?? basename(first, extname(first)), scripts, setup };
}

export function normalizeConfig(parsed: ConfigFileParsed, source: { file: string | null; dir: string }): PgscaleConfig {
  return {
    source,
    progressive: normalizeProgressive(parsed.progressive),
    database: normalizeDatabase(parsed.database),
    workload: normalizeWorkload(parsed.workload, source.dir),
    scale: parsed.scale,
    slo: parsed.slo,
    analysis: parsed.analysis,
  };
}
