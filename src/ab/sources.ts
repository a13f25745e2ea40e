// Where the base side's files come from in the action: the pull request's base commit. Every
// workload and setup file the config references is read with `git show <sha>:<path>` (after a
// shallow fetch of that commit when the checkout lacks it) into a temporary directory laid out
// like the config's directory, which then serves as the base side's directory.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import type { WorkloadConfig } from '../config/types.js';

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The files a workload config references (absolute paths), scripts then setup. */
export function workloadFiles(cfg: WorkloadConfig): string[] {
  return cfg.kind === 'builtin' ? [] : [...cfg.scripts.map((s) => s.file), ...cfg.setup];
}

/** The PR's base commit from a pull_request / pull_request_target event payload, if any. */
export function baseShaFromPayload(payload: unknown): string | null {
  const sha = (payload as { pull_request?: { base?: { sha?: unknown } } } | null)?.pull_request?.base?.sha;
  return typeof sha === 'string' && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : null;
}

export interface BaseFilesOptions {
  /** Commit (or ref) whose files make the base side. */
  ref: string;
  /** Directory of the config file (absolute); base files keep their paths relative to it. */
  configDir: string;
  files: string[];
  /** Working directory inside the repository (default: configDir). */
  cwd?: string;
  log?: (line: string) => void;
}

/** Writes the base side's files into a fresh temporary directory and returns it. */
export async function materializeBaseFiles(opts: BaseFilesOptions): Promise<string> {
  const cwd = opts.cwd ?? opts.configDir;
  if (!/^[A-Za-z0-9._/@^~-]+$/.test(opts.ref) || opts.ref.startsWith('-')) {
    throw new UserError(`base-ref: expected a commit SHA or ref name, got ${JSON.stringify(opts.ref.slice(0, 60))}`);
  }
  let root: string;
  try {
    root = (await git(['rev-parse', '--show-toplevel'], cwd)).trim();
  } catch {
    throw new UserError(`ab mode needs a git checkout to read the base files; ${cwd} is not inside one`);
  }
  const commit = `${opts.ref}^{commit}`;
  const has = async (): Promise<boolean> =>
    git(['cat-file', '-e', commit], root).then(
      () => true,
      () => false,
    );
  if (!(await has())) {
    opts.log?.(`fetching base commit ${opts.ref} (shallow checkout)`);
    await git(['fetch', '--no-tags', '--depth=1', 'origin', opts.ref], root).catch(() => '');
    if (!(await has()))
      throw new UserError(`base-ref: commit ${opts.ref} is not in the checkout and could not be fetched from origin`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pgscale-ab-base-'));
  for (const file of opts.files) {
    const inRepo = path.relative(root, file).split(path.sep).join('/');
    const relToConfig = path.relative(opts.configDir, file);
    if (inRepo.startsWith('..') || relToConfig.startsWith('..')) {
      throw new UserError(
        `workload file ${file} lies outside the repository or the ` +
          `config's directory; ab mode cannot take it from the base commit`,
      );
    }
    let text: string;
    try {
      text = await git(['show', `${opts.ref}:${inRepo}`], root);
    } catch {
      throw new UserError(
        `workload file ${inRepo} does not exist at the base commit ${opts.ref}; A/B needs the same files on both sides`,
      );
    }
    const target = path.join(dir, relToConfig);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  return dir;
}
