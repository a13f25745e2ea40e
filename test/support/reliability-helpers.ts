// Test support for the reliability suite: run the built CLI and action as child processes, make
// scratch directories and databases, and run a private PostgreSQL cluster that may be restarted
// or stopped (the shared server at 127.0.0.1:5432 is never restarted).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The committed bundles; PGSCALE_TEST_CLI / PGSCALE_TEST_ACTION point at a private build while
 *  src changes and dist/ is rebuilt by others (a bundle must sit inside the repo to find node_modules). */
export const CLI = process.env.PGSCALE_TEST_CLI ?? join(ROOT, 'bin', 'pgscale.js');
export const ACTION = process.env.PGSCALE_TEST_ACTION ?? join(ROOT, 'dist', 'index.js');
export const ADMIN: pg.ClientConfig = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without anything that names a database or enables debug output. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(PG|DATABASE_URL$|INPUT_|GITHUB_|RUNNER_|ACTIONS_|PGSCALE_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface SpawnedCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr match the pattern; rejects on exit or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export function spawnScript(
  script: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SpawnedCli {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise<void>((res, rej) => {
        const check = (): void => {
          if (pattern.test(out + err)) {
            cleanup();
            res();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`timed out waiting for ${pattern}; output so far:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void done.then(() => {
          if (!pattern.test(out + err)) {
            cleanup();
            rej(new Error(`process exited before ${pattern}; output:\n${out}\n${err}`));
          }
        });
        check();
      });
    },
  };
}

export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnedCli {
  return spawnScript(CLI, args, opts);
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

export function runAction(
  inputs: Record<string, string>,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const env = cleanEnv(opts.env);
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return spawnScript(ACTION, [], { env, cwd: opts.cwd }).done;
}

/** A scratch directory removed by the returned function. */
export function scratchDir(prefix = 'pgscale-rel-'): {
  dir: string;
  write(name: string, text: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Creates the select-only schema in the database at `url` with a one-band `--setup` run, so the
 * tests after it measure without loading data. Throws with the CLI's output when that run fails.
 */
export async function prepareSelectOnly(
  url: string,
  scratch: { dir: string; write(name: string, text: string): string },
  name: string,
): Promise<void> {
  const config = scratch.write(
    `${name}.yaml`,
    'progressive:\n  min_workers: 1\n  max_workers: 1\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n' +
      `  export_path: ${join(scratch.dir, name)}\nworkload: select-only\n`,
  );
  const result = await runCli(['--config', config, '--database-url', url, '--setup']);
  if (result.code !== 0)
    throw new Error(`preparing the select-only schema failed (exit ${result.code}):\n${result.stderr}`);
}

/** Lines on stderr that look like a JavaScript stack frame. */
export function stackLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at /.test(line));
}

export function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

export async function withAdmin<T>(config: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database of our own on the shared server. */
export async function createDatabase(area: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `pgscale_t_rel_${area}_${process.pid}`;
  await withAdmin(ADMIN, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => withAdmin(ADMIN, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** pgscale's sessions (pool, sampler, admin) connected to one database right now. */
export async function pgscaleSessions(database: string, admin: pg.ClientConfig = ADMIN): Promise<number> {
  return withAdmin(admin, async (c) => {
    const r = await c.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'pgscale%'",
      [database],
    );
    return Number(r.rows[0]?.n ?? -1);
  });
}

/** Backends exit a moment after the client goes; poll (bounded) until none of ours remain. */
export async function waitForNoSessions(database: string, admin: pg.ClientConfig = ADMIN): Promise<number> {
  let n = await pgscaleSessions(database, admin);
  for (let i = 0; i < 50 && n > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    n = await pgscaleSessions(database, admin);
  }
  return n;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

export function systemPostgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

/**
 * A throwaway cluster run with the system binaries as the `postgres` user, on a free port, so
 * it can be restarted and stopped without touching anybody else's server.
 */
export interface PrivateCluster {
  port: number;
  url: string;
  admin: pg.ClientConfig;
  start(): void;
  /** Fast shutdown: terminates every session, like a crash-free restart would. */
  stop(): void;
  restart(): void;
  destroy(): void;
}

function asPostgres(args: string[]): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });
  else execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe' });
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-rel-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  asPostgres([join(PG_BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c max_connections=60 -c fsync=off`;
  const cluster: PrivateCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    admin: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' },
    start: () => asPostgres([join(PG_BIN, 'pg_ctl'), '-D', data, '-l', logFile, '-o', options, '-w', 'start']),
    stop: () => asPostgres([join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']),
    restart: () =>
      asPostgres([join(PG_BIN, 'pg_ctl'), '-D', data, '-l', logFile, '-o', options, '-m', 'fast', '-w', 'restart']),
    destroy: () => {
      try {
        cluster.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
