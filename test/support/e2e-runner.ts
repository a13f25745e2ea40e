// Runs the bundled action (dist/index.js) in a child process the way the GitHub runner does: inputs as
// INPUT_* variables with action.yml's defaults filled in, the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY /
// GITHUB_EVENT_PATH files, and the GITHUB_* / ACTIONS_* variables the toolkit reads. Nothing from the
// test process's own environment leaks in except PATH/HOME/locale, so PG* or GITHUB_* variables on the
// developer's machine cannot change what the action does.
//
// The child is spawned asynchronously on purpose: the fake GitHub server lives in this process's event
// loop, and a synchronous spawn would leave it unable to answer.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bundle under test. PGSCALE_E2E_ACTION points at another build (e.g. a private one while dist/ is being rebuilt). */
export const ACTION_ENTRY = process.env['PGSCALE_E2E_ACTION']
  ? path.resolve(process.env['PGSCALE_E2E_ACTION'])
  : path.join(REPO_ROOT, 'dist', 'index.js');

/** The token the runner would substitute for `${{ github.token }}`. */
export const FAKE_GITHUB_TOKEN = 'ghs_e2eFakeInstallationToken0123456789';

interface ActionYml {
  inputs: Record<string, { description?: string; default?: unknown; required?: boolean }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
}

export function readActionYml(): ActionYml {
  return parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml;
}

/** The runner's name mangling: upper case, spaces to underscores; hyphens are kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * INPUT_* variables for the given inputs, with action.yml's default for every input not given.
 * `${{ github.token }}` becomes `token`. An input action.yml does not declare is a test bug: throws.
 */
export function inputEnvironment(inputs: Record<string, string>, token = FAKE_GITHUB_TOKEN): Record<string, string> {
  const declared = readActionYml().inputs;
  for (const name of Object.keys(inputs)) {
    if (!(name in declared)) throw new Error(`input ${name} is not declared in action.yml`);
  }
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    let value =
      name in inputs ? inputs[name]! : spec.default === undefined || spec.default === null ? '' : String(spec.default);
    value = value.replace(/\$\{\{\s*github\.token\s*\}\}/g, token);
    env[inputVariable(name)] = value;
  }
  return env;
}

/** Parses a GITHUB_OUTPUT file: `name<<DELIMITER` heredocs (what @actions/core writes) and plain `name=value` lines. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i]!);
      }
      if (!closed) throw new Error(`GITHUB_OUTPUT: heredoc for ${name} is never closed by ${delimiter}`);
      out[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: malformed line ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface PullRequestEvent {
  number: number;
  repository: { id: number; owner: string; name: string; default_branch: string };
  head_ref?: string;
}

export function repositoryPayload(r: PullRequestEvent['repository']): object {
  return {
    id: r.id,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    owner: { login: r.owner },
    default_branch: r.default_branch,
  };
}

export function pushPayload(repository: PullRequestEvent['repository'], branch: string): object {
  return { ref: `refs/heads/${branch}`, after: 'abc123', repository: repositoryPayload(repository) };
}

export function pullRequestPayload(e: PullRequestEvent): object {
  return {
    action: 'synchronize',
    number: e.number,
    pull_request: {
      number: e.number,
      head: { ref: e.head_ref ?? 'feature', sha: 'f00dfeed', repo: { id: e.repository.id } },
      base: { ref: e.repository.default_branch, sha: 'abc123', repo: { id: e.repository.id } },
    },
    repository: repositoryPayload(e.repository),
  };
}

export interface RunActionOptions {
  /** Action inputs by their action.yml names; the rest get their defaults. */
  inputs: Record<string, string>;
  /** GITHUB_WORKSPACE, also the working directory (the checkout). */
  workspace: string;
  /** The event that triggered the workflow. */
  event: { name: string; payload: object; ref?: string };
  runId: number;
  job?: string;
  /** The fake GitHub's variables (ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, GITHUB_API_URL, ...). */
  githubEnv: Record<string, string>;
  /** Anything else (wins over everything above). */
  extraEnv?: Record<string, string>;
  token?: string;
  timeoutMs?: number;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The exact environment the child saw (for debugging failed tests). */
  env: Record<string, string>;
}

/** For failure messages: what the action printed. */
export const transcript = (r: ActionRun): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const files = mkdtempSync(path.join(opts.workspace, '..', 'runner-files-'));
  const at = (name: string): string => {
    const file = path.join(files, name);
    writeFileSync(file, '');
    return file;
  };
  const eventPath = path.join(files, 'event.json');
  writeFileSync(eventPath, JSON.stringify(opts.event.payload, null, 2));
  const runnerTemp = mkdtempSync(path.join(files, 'temp-'));
  const [owner, repo] = (opts.githubEnv['GITHUB_REPOSITORY'] ?? 'acme/shop').split('/');

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: 'pgscale',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'pgscale e2e',
    GITHUB_EVENT_NAME: opts.event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: opts.event.ref ?? 'refs/pull/7/merge',
    GITHUB_SHA: 'f00dfeed',
    GITHUB_REPOSITORY: `${owner}/${repo}`,
    GITHUB_REPOSITORY_OWNER: owner!,
    GITHUB_RUN_ID: String(opts.runId),
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: opts.job ?? 'bench',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_OUTPUT: at('output'),
    GITHUB_STEP_SUMMARY: at('summary.md'),
    GITHUB_STATE: at('state'),
    GITHUB_ENV: at('env'),
    GITHUB_PATH: at('path'),
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_DEBUG: '0',
    ...opts.githubEnv,
    ...inputEnvironment(opts.inputs, opts.token),
    ...opts.extraEnv,
  };

  const child = spawn(process.execPath, [ACTION_ENTRY], {
    cwd: opts.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeout = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timeout));

  return {
    code,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(env['GITHUB_OUTPUT']!, 'utf8')),
    summary: readFileSync(env['GITHUB_STEP_SUMMARY']!, 'utf8'),
    env,
  };
}

/** Workflow commands of one kind from stdout, e.g. commands(run.stdout, 'error') → the (unescaped) messages of `::error ...::msg` lines. */
export function commands(stdout: string, kind: string): string[] {
  const re = new RegExp(`^::${kind}(?: [^:]*)?::(.*)$`);
  return stdout
    .split('\n')
    .map((l) => re.exec(l.replace(/\r$/, '')))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => unescapeData(m[1]!));
}

/** Undoes @actions/core's escaping of command messages. */
function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
