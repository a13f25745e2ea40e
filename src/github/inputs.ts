// The action's inputs, read once and validated: every bad value is a one-line UserError naming the
// input and what was expected. Credentials are masked before anything else can print them.

import * as core from '@actions/core';
import { urlHasPassword } from '../db/mask.js';
import { UserError } from '../errors.js';

export type ActionMode = 'run' | 'baseline' | 'compare' | 'ab';
export type CommentPolicy = 'always' | 'on-regression' | 'never';
export type FailOn = 'regression' | 'inconclusive' | 'never';

export interface ActionInputs {
  config: string;
  /** null = use the PG* environment, then the config. */
  database_url: string | null;
  mode: ActionMode;
  setup: boolean;
  baseline_artifact: string;
  /** null = the repository's default branch (see resolveBaselineBranch). */
  baseline_branch: string | null;
  /** A local results file to use instead of an artifact. */
  baseline_file: string | null;
  github_token: string | null;
  comment: CommentPolicy;
  fail_on: FailOn;
  /** Fractions: 0.05 = 5%. */
  max_tps_drop: number;
  max_p95_increase: number;
  /** null = the config's export_path. */
  export_path: string | null;
  /** null = the repository's default retention. */
  retention_days: number | null;
}

/** The defaults action.yml declares; applied here too when an input arrives empty. */
export const INPUT_DEFAULTS = {
  config: 'pgscale.yml',
  'database-url': '',
  mode: 'run',
  setup: 'false',
  'baseline-artifact': 'pgscale-baseline',
  'baseline-branch': '',
  'baseline-file': '',
  'github-token': '${{ github.token }}',
  comment: 'on-regression',
  'fail-on': 'regression',
  'max-tps-drop': '5%',
  'max-p95-increase': '10%',
  'export-path': '',
  'retention-days': '90',
  'ab-rounds': '3',
  confirm: 'false',
  'base-ref': '',
} as const;

export type InputReader = (name: string) => string;

const defaultReader: InputReader = (name) => core.getInput(name);

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UserError(`input ${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(clip(value))}`);
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseBoolean(name: string, value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new UserError(`input ${name}: expected true or false, got ${JSON.stringify(clip(value))}`);
}

/**
 * A fraction written as a percentage ("5%") or a decimal ("0.05"). A bare number ≥ 1 is refused:
 * "5" is ambiguous between 5% and 500%.
 */
export function parseFraction(name: string, value: string, max: number): number {
  // An action input is named as such; a command-line flag (--max-tps-drop) by itself.
  const field = name.startsWith('--') ? name : `input ${name}`;
  const text = value.trim();
  const percent = /^([0-9]+(?:\.[0-9]+)?)\s*%$/.exec(text);
  const decimal = /^(0?\.[0-9]+|[0-9]+(?:\.[0-9]+)?)$/.exec(text);
  let fraction: number;
  if (percent) fraction = Number(percent[1]) / 100;
  else if (decimal) {
    fraction = Number(decimal[1]);
    if (fraction >= 1) {
      throw new UserError(
        `${field}: expected a percentage like "5%" or a fraction like 0.05, ` +
          `got ${JSON.stringify(clip(value))} (write "${text}%" if you meant percent)`,
      );
    }
  } else {
    throw new UserError(
      `${field}: expected a percentage like "5%" or a fraction like 0.05, got ${JSON.stringify(clip(value))}`,
    );
  }
  if (!(fraction > 0 && fraction < max)) {
    throw new UserError(
      `${field}: expected more than 0% and less than ${max * 100}%, got ${JSON.stringify(clip(value))}`,
    );
  }
  return fraction;
}

/** Masks a database URL and its password (raw and percent-decoded) in every later log line. */
export function maskDatabaseUrl(url: string): void {
  // Without a password the URL is no secret, and masking it would hide which server a run used.
  if (!urlHasPassword(url)) return;
  core.setSecret(url);
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      core.setSecret(parsed.password);
      const decoded = decodeURIComponent(parsed.password);
      if (decoded !== parsed.password) core.setSecret(decoded);
    }
  } catch {
    // Not a URL (a libpq keyword string, say): the whole value is already masked. Mask password=… too.
    const m = /password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(url);
    if (m?.[1]) core.setSecret(m[1].replace(/^'|'$/g, ''));
  }
}

/** Reads and validates every input. Masks database credentials first, before any error can echo them. */
export function readInputs(read: InputReader = defaultReader, env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const get = (name: keyof typeof INPUT_DEFAULTS): string => {
    const raw = read(name).trim();
    if (raw !== '') return raw;
    const fallback = INPUT_DEFAULTS[name];
    return fallback.startsWith('${{') ? '' : fallback;
  };

  // Secrets first.
  const databaseUrl = read('database-url').trim();
  if (databaseUrl) maskDatabaseUrl(databaseUrl);
  for (const key of ['DATABASE_URL', 'PGPASSWORD'] as const) {
    const value = env[key];
    if (value) key === 'DATABASE_URL' ? maskDatabaseUrl(value) : core.setSecret(value);
  }
  const token = read('github-token').trim();
  if (token) core.setSecret(token);

  if (databaseUrl && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new UserError(
      'input database-url: expected a URL starting with postgres:// or postgresql:// (the value is masked)',
    );
  }
  if (databaseUrl) {
    try {
      new URL(databaseUrl);
    } catch {
      throw new UserError(
        'input database-url: expected a valid postgres:// URL; percent-encode ' +
          'special characters in the password (the value is masked)',
      );
    }
  }

  const config = get('config');
  if (/[\0\n\r]/.test(config)) throw new UserError('input config: expected a single path to the pgscale YAML config');
  const mode = oneOf<ActionMode>('mode', get('mode'), ['run', 'baseline', 'compare', 'ab']);
  const setup = parseBoolean('setup', get('setup'));

  const baselineArtifact = get('baseline-artifact');
  // The artifact service refuses these characters in names; say so here rather than after the run.
  if (/[":<>|*?\\/\r\n]/.test(baselineArtifact)) {
    throw new UserError(
      'input baseline-artifact: expected an artifact name without " : < > | ' +
        `* ? \\ / or newlines, got ${JSON.stringify(clip(baselineArtifact))}`,
    );
  }
  const baselineBranch = get('baseline-branch') || null;
  if (baselineBranch && /\s|\.\.|[~^:?*[\\]/.test(baselineBranch)) {
    throw new UserError(
      `input baseline-branch: expected a git branch name, got ${JSON.stringify(clip(baselineBranch))}`,
    );
  }
  const baselineFile = get('baseline-file') || null;
  if (baselineFile && mode !== 'compare') {
    throw new UserError(`input baseline-file: only used with mode compare (mode is ${mode})`);
  }

  const comment = oneOf<CommentPolicy>('comment', get('comment'), ['always', 'on-regression', 'never']);
  const failOn = oneOf<FailOn>('fail-on', get('fail-on'), ['regression', 'inconclusive', 'never']);
  const maxTpsDrop = parseFraction('max-tps-drop', get('max-tps-drop'), 1);
  const maxP95Increase = parseFraction('max-p95-increase', get('max-p95-increase'), 10);
  const exportPath = get('export-path') || null;

  const retentionText = get('retention-days');
  let retentionDays: number | null = null;
  if (retentionText !== '') {
    if (!/^[0-9]+$/.test(retentionText) || Number(retentionText) < 1 || Number(retentionText) > 400) {
      throw new UserError(
        'input retention-days: expected a whole number of days from 1 to 90 (up to ' +
          `400 where the repository allows), got ${JSON.stringify(clip(retentionText))}`,
      );
    }
    retentionDays = Number(retentionText);
  }

  return {
    config,
    database_url: databaseUrl || null,
    mode,
    setup,
    baseline_artifact: baselineArtifact,
    baseline_branch: baselineBranch,
    baseline_file: baselineFile,
    github_token: token || null,
    comment,
    fail_on: failOn,
    max_tps_drop: maxTpsDrop,
    max_p95_increase: maxP95Increase,
    export_path: exportPath,
    retention_days: retentionDays,
  };
}

/** The inputs only mode `ab` reads (kept apart so the other modes' inputs keep their shape). */
export interface AbInputs {
  /** ABBA rounds per band, 3-50. */
  rounds: number;
  /** Re-measure failing bands; fail only when the failure reproduces. */
  confirm: boolean;
  /** Commit whose files make the base side; null = the pull request's base commit. */
  base_ref: string | null;
}

export function readAbInputs(read: InputReader = defaultReader): AbInputs {
  const get = (name: 'ab-rounds' | 'confirm' | 'base-ref'): string => read(name).trim() || INPUT_DEFAULTS[name];
  const roundsText = get('ab-rounds');
  if (!/^[0-9]+$/.test(roundsText) || Number(roundsText) < 3 || Number(roundsText) > 50) {
    throw new UserError(
      `input ab-rounds: expected a whole number from 3 to 50, got ${JSON.stringify(clip(roundsText))}`,
    );
  }
  const baseRef = get('base-ref');
  if (baseRef && (!/^[A-Za-z0-9._/@^~-]+$/.test(baseRef) || baseRef.startsWith('-'))) {
    throw new UserError(`input base-ref: expected a commit SHA or ref name, got ${JSON.stringify(clip(baseRef))}`);
  }
  return { rounds: Number(roundsText), confirm: parseBoolean('confirm', get('confirm')), base_ref: baseRef || null };
}

/** The baseline branch: the input, else the default branch from the event payload, else `main`. */
export function resolveBaselineBranch(
  inputs: Pick<ActionInputs, 'baseline_branch'>,
  payload: { repository?: { default_branch?: string } },
): string {
  return inputs.baseline_branch ?? payload.repository?.default_branch ?? 'main';
}
