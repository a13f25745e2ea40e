// Workload loading: built-ins and pgbench-format script files become one ScriptWorkload.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { BuiltinWorkloadName, WorkloadConfig } from '../config/types.js';
import type { WorkloadFileDigest } from '../results/types.js';
import { BUILTIN_SCRIPTS, PGBENCH_TABLES, builtinWorkloadNames, setupPgbench } from './builtin.js';
import { ScriptWorkload } from './engine.js';
import { compileScript, parseScript, type CompiledScript } from './script.js';
import type { PortableWorkload, Workload, WorkloadClient } from './types.js';

export { builtinWorkloadNames } from './builtin.js';
export { ScriptWorkload } from './engine.js';
export { ScriptRuntimeError } from './expr/index.js';
export type { PortableWorkload, Workload, WorkerSession, WorkloadClient } from './types.js';

export interface LoadWorkloadOptions {
  /** :scale for workers until setup() or checkSchema() learns the real one; default 1. */
  scale?: number;
}

/**
 * Loads and compiles a workload. `baseDir` (the config file's directory) resolves relative paths
 * and makes the paths shown in errors and digests relative. Script problems are UserErrors with
 * file:line:column.
 */
export async function loadWorkload(
  cfg: WorkloadConfig,
  baseDir?: string,
  options: LoadWorkloadOptions = {},
): Promise<Workload> {
  const scale = options.scale ?? 1;
  if (cfg.kind === 'builtin') {
    const name: BuiltinWorkloadName = cfg.name;
    if (!builtinWorkloadNames.includes(name)) {
      throw new UserError(
        `workload: unknown built-in workload "${String(name)}" (expected one of: ${builtinWorkloadNames.join(', ')})`,
      );
    }
    const source = { text: BUILTIN_SCRIPTS[name], shown: `<builtin ${name}>` };
    const script = compileScript(parseScript(source.text, source.shown), 0);
    return new ScriptWorkload({
      name,
      scripts: [script],
      sources: [source],
      weights: [1],
      requiredTables: [...PGBENCH_TABLES],
      files: [],
      scale,
      setup: setupPgbench,
    });
  }

  if (cfg.scripts.length === 0) throw new UserError('workload.scripts: expected at least one script');
  const display = (file: string): string => (baseDir ? path.relative(baseDir, file).split(path.sep).join('/') : file);
  const resolve = (file: string): string => path.resolve(baseDir ?? process.cwd(), file);
  const read = async (file: string, field: string, role: string): Promise<string> => {
    try {
      return await readFile(resolve(file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
      throw new UserError(`${field}: cannot read ${role} file ${display(resolve(file))}: ${why}`);
    }
  };
  const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

  const files: WorkloadFileDigest[] = [];
  const scripts: CompiledScript[] = [];
  const sources: { text: string; shown: string }[] = [];
  const weights: number[] = [];
  for (const [i, ref] of cfg.scripts.entries()) {
    if (!(typeof ref.weight === 'number' && Number.isFinite(ref.weight) && ref.weight >= 0)) {
      throw new UserError(`workload.scripts[${i}].weight: expected a number >= 0, got ${String(ref.weight)}`);
    }
    const text = await read(ref.file, `workload.scripts[${i}].file`, 'script');
    const shown = display(resolve(ref.file));
    scripts.push(compileScript(parseScript(text, shown), i));
    sources.push({ text, shown });
    weights.push(ref.weight);
    files.push({ path: shown, role: 'script', sha256: digest(text) });
  }
  if (weights.reduce((a, b) => a + b, 0) <= 0)
    throw new UserError('workload.scripts: the weights sum to 0; at least one script needs a positive weight');

  const setupTexts: { shown: string; text: string }[] = [];
  for (const [i, file] of cfg.setup.entries()) {
    const text = await read(file, `workload.setup[${i}]`, 'setup');
    const shown = display(resolve(file));
    setupTexts.push({ shown, text });
    files.push({ path: shown, role: 'setup', sha256: digest(text) });
  }

  return new ScriptWorkload({
    name: cfg.name,
    scripts,
    sources,
    weights,
    requiredTables: tablesCreatedBy(setupTexts.map((s) => s.text)),
    files,
    scale,
    setup: async (client, _scale, log) => {
      for (const s of setupTexts) {
        log(`setup: running ${s.shown}`);
        const started = performance.now();
        // The whole file as one simple query: it may hold many statements, functions, DO blocks.
        await client.query(s.text);
        log(`setup: ${s.shown} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    },
  });
}

/** Rebuilds a workload's workers on another thread (see Workload.portable); it cannot set up. */
export function workloadFromPortable(p: PortableWorkload): Workload {
  return new ScriptWorkload({
    name: p.name,
    scripts: p.scripts.map((s, i) => compileScript(parseScript(s.text, s.shown), i)),
    sources: p.scripts,
    weights: p.weights,
    requiredTables: [],
    files: [],
    scale: p.scale,
    setup: () => Promise.reject(new Error('a portable workload cannot run its setup')),
  });
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)`;
const CREATE_TABLE = new RegExp(
  String.raw`\bcreate\s+(?:(?:global|local)\s+)?(?:unlogged\s+)?table\s+` +
    String.raw`(?:if\s+not\s+exists\s+)?(${IDENT})(?:\s*\.\s*(${IDENT}))?`,
  'gi',
);

/** Tables the setup SQL creates (not temporary ones): a run needs them, so their absence means --setup. */
export function tablesCreatedBy(sqlTexts: string[]): string[] {
  const out = new Set<string>();
  for (const sql of sqlTexts) {
    const code = sql
      .replace(/--[^\n]*/g, ' ')
      .replace(/\/\*[\s\S]*?\*\//g, ' ')
      .replace(/'(?:[^']|'')*'/g, "''");
    for (const m of code.matchAll(CREATE_TABLE)) out.add(m[2] ? `${m[1]!}.${m[2]}` : m[1]!);
  }
  return [...out];
}

/** The one-line error for a run whose workload's tables are missing and --setup was not passed. */
export function missingSchemaError(w: Workload, missing: string[]): UserError {
  return new UserError(
    `workload "${w.name}": missing table${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; ` +
      `run again with --setup to create ${missing.length === 1 ? 'it' : 'them'}`,
  );
}

/** The required tables of `w` that do not exist (as visible through search_path). */
export async function checkSchema(client: WorkloadClient, w: Workload): Promise<string[]> {
  if (w.requiredTables.length === 0) return [];
  const res = await client.query<{ t: string }>({
    text: 'select t from unnest($1::text[]) with ordinality as u(t, n) where to_regclass(t) is null order by n',
    values: [w.requiredTables],
  });
  const missing = res.rows.map((r) => r.t);
  // As pgbench does for its built-ins, :scale comes from the database: the number of branches.
  if (
    missing.length === 0 &&
    w instanceof ScriptWorkload &&
    w.requiredTables.includes('pgbench_branches') &&
    w.files.length === 0
  ) {
    const count = await client.query<{ n: string }>('select count(*) as n from pgbench_branches');
    const n = Number(count.rows[0]?.n ?? 0);
    if (n > 0) w.scale = n;
  }
  return missing;
}
